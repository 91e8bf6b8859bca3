"""Check that the locks (requirements.lock, requirements-dev.lock) still match pyproject.toml.

Usage: python scripts/verifier_verrou.py [--ecrire] [--racine DOSSIER]

The locks are written by pip-compile (`make verrou`), which then runs this script with
--ecrire: it stamps each lock with a SHA-256 of pyproject.toml's dependency lists. Without
--ecrire (run by `make test`), it fails, naming the fix, when:
- a lock's stamp differs from pyproject.toml's lists (a dependency added, removed or changed
  since the lock was written),
- a requirement of pyproject.toml is not pinned in the lock, or pinned outside its range,
- a pinned package has no hash (pip --require-hashes would refuse it anyway),
- the two locks pin a package they share at different versions.
Offline: it reads the three files and nothing else.
"""

import argparse
import hashlib
import json
import re
import sys
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

RACINE = Path(__file__).resolve().parent.parent
VERROU = "requirements.lock"
VERROU_DEV = "requirements-dev.lock"
PREFIXE = "# pyproject.toml sha256: "
COMMANDE = "make verrou"


def empreinte(pyproject: dict) -> str:
    """SHA-256 of what the locks are computed from: the Python range and dependency lists."""
    projet = pyproject["project"]
    contenu = {
        "requires-python": projet.get("requires-python"),
        "dependencies": projet.get("dependencies", []),
        "optional-dependencies": projet.get("optional-dependencies", {}),
    }
    return hashlib.sha256(json.dumps(contenu, sort_keys=True).encode()).hexdigest()


def lire_verrou(texte: str) -> tuple[str | None, dict[str, Version], set[str]]:
    """The stamp, the pinned versions by canonical name, and the names pinned with a hash."""
    tampon = None
    versions: dict[str, Version] = {}
    avec_hash: set[str] = set()
    courant = None
    for ligne in texte.splitlines():
        if ligne.startswith(PREFIXE):
            tampon = ligne[len(PREFIXE) :].strip()
            continue
        epinglage = re.match(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s\\;]+)", ligne)
        if epinglage:
            courant = canonicalize_name(epinglage[1])
            versions[courant] = Version(epinglage[2])
        elif courant and "--hash=sha256:" in ligne:
            avec_hash.add(courant)
        elif not ligne.startswith(" "):
            courant = None
    return tampon, versions, avec_hash


def problemes(racine: Path) -> list[str]:
    pyproject = tomllib.loads((racine / "pyproject.toml").read_text(encoding="utf-8"))
    attendu = empreinte(pyproject)
    projet = pyproject["project"]
    exigences = {
        VERROU: projet.get("dependencies", []),
        VERROU_DEV: projet.get("dependencies", [])
        + projet.get("optional-dependencies", {}).get("dev", []),
    }
    erreurs = []
    lus = {}
    for nom, liste in exigences.items():
        chemin = racine / nom
        if not chemin.exists():
            erreurs.append(f"{nom} est absent : lancez `{COMMANDE}`.")
            continue
        tampon, versions, avec_hash = lire_verrou(chemin.read_text(encoding="utf-8"))
        lus[nom] = versions
        if tampon != attendu:
            erreurs.append(
                f"{nom} ne correspond plus aux dépendances de pyproject.toml (empreinte "
                f"{tampon or 'absente'}, attendue {attendu}) : lancez `{COMMANDE}`."
            )
        for texte in liste:
            exigence = Requirement(texte)
            if exigence.marker and not exigence.marker.evaluate():
                continue
            version = versions.get(canonicalize_name(exigence.name))
            if version is None:
                erreurs.append(f"{nom} n'épingle pas {exigence.name} : lancez `{COMMANDE}`.")
            elif not exigence.specifier.contains(version, prereleases=True):
                erreurs.append(
                    f"{nom} épingle {exigence.name}=={version}, hors de « {texte} » : "
                    f"lancez `{COMMANDE}`."
                )
        for paquet in sorted(set(versions) - avec_hash):
            erreurs.append(f"{nom} : {paquet} n'a pas d'empreinte (--hash) : lancez `{COMMANDE}`.")
    if len(lus) == 2:
        for paquet in sorted(set(lus[VERROU]) & set(lus[VERROU_DEV])):
            if lus[VERROU][paquet] != lus[VERROU_DEV][paquet]:
                erreurs.append(
                    f"{paquet} : {lus[VERROU][paquet]} dans {VERROU}, "
                    f"{lus[VERROU_DEV][paquet]} dans {VERROU_DEV} : lancez `{COMMANDE}`."
                )
    return erreurs


def ecrire(racine: Path) -> None:
    """Stamp both locks, just after their header, replacing an earlier stamp."""
    pyproject = tomllib.loads((racine / "pyproject.toml").read_text(encoding="utf-8"))
    tampon = f"{PREFIXE}{empreinte(pyproject)}"
    for nom in (VERROU, VERROU_DEV):
        chemin = racine / nom
        lignes = [
            ligne
            for ligne in chemin.read_text(encoding="utf-8").splitlines()
            if not ligne.startswith(PREFIXE)
        ]
        entete = next((i for i, ligne in enumerate(lignes) if not ligne.startswith("#")), 0)
        lignes.insert(entete, tampon)
        chemin.write_text("\n".join(lignes) + "\n", encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ecrire", action="store_true", help="tamponner les verrous")
    parser.add_argument("--racine", type=Path, default=RACINE)
    args = parser.parse_args()
    if args.ecrire:
        ecrire(args.racine)
    erreurs = problemes(args.racine)
    for erreur in erreurs:
        print(erreur, file=sys.stderr)
    if not erreurs:
        print(f"{VERROU} et {VERROU_DEV} correspondent à pyproject.toml.")
    return 1 if erreurs else 0


if __name__ == "__main__":
    sys.exit(main())
