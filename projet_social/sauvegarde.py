"""Backup and restore of the whole database (the commands sauvegarder and restaurer).

PostgreSQL: pg_dump's custom format, restored by pg_restore --clean --if-exists in a single
transaction (a failed restore leaves the database as it was). The connection comes from the
settings (DATABASE_URL); the password goes through PGPASSWORD, never on the command line.
SQLite: the online backup API, on Django's own connection (so an in-memory database works too).
"""

import datetime
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from django.db import connections

# First bytes of each kind of backup file, to refuse a file of the wrong kind before anything.
SIGNATURES = {"postgresql": b"PGDMP", "sqlite": b"SQLite format 3\x00"}
EXTENSIONS = {"postgresql": ".dump", "sqlite": ".sqlite3"}


class ErreurSauvegarde(Exception):
    """A backup or restore that could not be done; the message is for the user, in French."""


def moteur(alias: str = "default") -> str:
    vendor = connections[alias].vendor
    if vendor not in SIGNATURES:
        raise ErreurSauvegarde(f"Base « {vendor} » non prise en charge (PostgreSQL ou SQLite).")
    return vendor


def nom_par_defaut(alias: str = "default", maintenant: datetime.datetime | None = None) -> str:
    """projet_social-2026-11-26-0930.dump: the date first, so that names sort by age."""
    maintenant = maintenant or datetime.datetime.now()
    return f"projet_social-{maintenant:%Y-%m-%d-%H%M}{EXTENSIONS[moteur(alias)]}"


def nom_de_la_base(alias: str = "default") -> str:
    return str(connections[alias].settings_dict["NAME"])


def _environnement_postgresql(alias: str) -> dict[str, str]:
    """libpq's variables for the connection of ``alias``: nothing secret in the arguments."""
    reglages = connections[alias].settings_dict
    environ = dict(os.environ)
    for variable, cle in (
        ("PGHOST", "HOST"),
        ("PGPORT", "PORT"),
        ("PGUSER", "USER"),
        ("PGPASSWORD", "PASSWORD"),
        ("PGDATABASE", "NAME"),
    ):
        if reglages.get(cle):
            environ[variable] = str(reglages[cle])
        else:
            environ.pop(variable, None)
    options = reglages.get("OPTIONS") or {}
    if options.get("sslmode"):
        environ["PGSSLMODE"] = str(options["sslmode"])
    return environ


def _programme(nom: str) -> str:
    chemin = shutil.which(nom)
    if not chemin:
        raise ErreurSauvegarde(
            f"Le programme {nom} est introuvable : installez le client PostgreSQL "
            "(apt-get install postgresql-client), de la version du serveur ou plus récente."
        )
    return chemin


def _executer(commande: list[str], alias: str) -> None:
    resultat = subprocess.run(
        commande,
        env=_environnement_postgresql(alias),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        check=False,
    )
    if resultat.returncode != 0:
        raise ErreurSauvegarde(
            f"{Path(commande[0]).name} a échoué (code {resultat.returncode}) : "
            f"{resultat.stderr.strip() or resultat.stdout.strip()}"
        )


def sauvegarder(chemin: Path, alias: str = "default") -> Path:
    """Write a backup of the whole database to ``chemin``, readable by its owner only
    (written aside, then renamed: a failed backup leaves no half file under the final name)."""
    vendor = moteur(alias)
    chemin = Path(chemin)
    if chemin.exists():
        raise ErreurSauvegarde(f"« {chemin} » existe déjà : choisissez un autre nom.")
    if not chemin.parent.is_dir():
        raise ErreurSauvegarde(f"Le dossier « {chemin.parent} » n'existe pas.")
    provisoire = chemin.with_name(f".{chemin.name}.en-cours")
    try:
        # Readable by its owner only: the file holds every account's password hash.
        os.close(os.open(provisoire, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        if vendor == "postgresql":
            _executer([_programme("pg_dump"), "--format=custom", f"--file={provisoire}"], alias)
        else:
            connection = connections[alias]
            connection.ensure_connection()
            destination = sqlite3.connect(provisoire)
            try:
                with destination:
                    connection.connection.backup(destination)
            finally:
                destination.close()
        provisoire.replace(chemin)
    except OSError as erreur:
        raise ErreurSauvegarde(f"Impossible d'écrire « {chemin} » : {erreur.strerror}.") from None
    except sqlite3.Error as erreur:
        raise ErreurSauvegarde(f"La sauvegarde SQLite a échoué : {erreur}.") from None
    finally:
        provisoire.unlink(missing_ok=True)
    return chemin


def verifier_fichier(chemin: Path, alias: str = "default") -> None:
    """Refuse, before touching the database, a missing file or one of the wrong kind."""
    vendor = moteur(alias)
    chemin = Path(chemin)
    if not chemin.is_file():
        raise ErreurSauvegarde(f"Le fichier « {chemin} » n'existe pas.")
    with chemin.open("rb") as fichier:
        debut = fichier.read(len(SIGNATURES[vendor]))
    if debut != SIGNATURES[vendor]:
        autre = next((v for v, s in SIGNATURES.items() if debut.startswith(s[:5])), None)
        detail = f"c'est une sauvegarde {autre}" if autre else "ce n'est pas une sauvegarde"
        raise ErreurSauvegarde(
            f"« {chemin} » ne peut pas être restauré dans cette base {vendor} : {detail}."
        )
    if vendor == "sqlite":
        source = sqlite3.connect(f"file:{chemin}?mode=ro", uri=True)
        try:
            etat = source.execute("PRAGMA quick_check").fetchone()[0]
        except sqlite3.DatabaseError as erreur:
            raise ErreurSauvegarde(f"« {chemin} » est illisible : {erreur}.") from None
        finally:
            source.close()
        if etat != "ok":
            raise ErreurSauvegarde(f"« {chemin} » est endommagé : {etat}.")


def restaurer(chemin: Path, alias: str = "default") -> None:
    """Replace the whole content of the database by the backup ``chemin``."""
    verifier_fichier(chemin, alias)
    vendor = moteur(alias)
    if vendor == "postgresql":
        # Our own connection would hold locks that pg_restore's DROP waits for.
        connections[alias].close()
        _executer(
            [
                _programme("pg_restore"),
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                f"--dbname={nom_de_la_base(alias)}",
                str(chemin),
            ],
            alias,
        )
        return
    connection = connections[alias]
    connection.ensure_connection()
    source = sqlite3.connect(f"file:{chemin}?mode=ro", uri=True)
    try:
        source.backup(connection.connection)
    except sqlite3.Error as erreur:
        raise ErreurSauvegarde(f"La restauration SQLite a échoué : {erreur}.") from None
    finally:
        source.close()
