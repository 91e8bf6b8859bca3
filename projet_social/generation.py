"""Has the plan changed since a part of a page was rendered? The database says so exactly, and
pages keep their heaviest parts until it changes.

**The log.** A trigger on every table of the plan (the apps axes, actions and evaluations,
their many-to-many tables, the users' names, and who may do what: groups and rights) adds a
row to ``projet_social_ecriture`` (``Ecriture``) at each statement that writes to it (each
row, in SQLite). Whatever writes (a form, an import, a queryset's ``update()``, a
``bulk_create``, a shell, a restored backup), the log grows: nothing in Python has to
remember to say « changed ».

**The generation** is ``(count, max id)`` of the log, read by one query. Two different sets
of committed writes never give the same pair: the log only grows (a transaction that commits
late adds its rows to the count, even below the max), and when it is pruned a row is added
after the deletion, so that the max moves past any earlier state. Rolled-back writes leave no
row, and changed nothing.

**The order matters.** A page reads the generation *before* the data it renders: what it
renders is then at least as recent as the generation it is kept under. (Read after, a write
committed in between would be missing from a part kept under the new generation.)

**What is kept** (``fragment``): HTML rendered for everyone alike (no user's name, no CSRF
token, no permission-dependent button), in the cache ``pages`` (a table of the database,
shared by the server processes: a part is rendered once per change of the plan, not once per
process), under the generation, today's date (« en retard » depends on it) and what the part
depends on (the review, the axe...). Parts of past generations expire after ten minutes.

**What a process keeps** (``memoire``): values read on nearly every page (the current plan,
its latest review, the fiches in code order, a user's rights, the list's drop-down lists),
in the process's memory, under the generation read once per GET request.
"""

from __future__ import annotations

import copy
import hashlib
import threading
from collections.abc import Callable
from typing import TypeVar

from django.apps import apps
from django.core.cache import caches
from django.core.signals import request_finished, request_started
from django.db import connections
from django.db.models import Model
from django.dispatch import receiver
from django.utils import timezone
from django.utils.safestring import mark_safe

APPS_DU_PLAN = ("axes", "actions", "evaluations")
# Tables of the plan's apps that are not the plan: the renderings kept of closed reviews.
EXCLUES = {"evaluations_dossierbilan"}
# Of the users, what pages show: their names (a login writes last_login: not a change).
COLONNES_UTILISATEUR = ("username", "first_name", "last_name", "is_active")
TABLE_UTILISATEURS = "auth_user"
# Who may do what: the rights a process keeps per user (``memoire``) follow these tables.
TABLES_DES_DROITS = ("auth_user_groups", "auth_user_user_permissions", "auth_group_permissions")

# The log is pruned to its latest rows past this size.
TAILLE_MAX_DU_JOURNAL = 20_000
GARDEES_APRES_ELAGAGE = 1_000

T = TypeVar("T")

NOM_DECLENCHEUR = "ps_ecriture"
# The log's table (the model ``Ecriture``, which this module, below the views, does not import).
JOURNAL = "projet_social_ecriture"


def tables_suivies() -> list[str]:
    """Every table whose writes change the generation, but the users' (column triggers)."""
    tables = set(TABLES_DES_DROITS)
    for app in APPS_DU_PLAN:
        for modele in apps.get_app_config(app).get_models(include_auto_created=True):
            meta = modele._meta
            if meta.proxy or not meta.managed or modele.__name__.startswith("Historical"):
                continue
            tables.add(meta.db_table)
            for champ in meta.local_many_to_many:
                tables.add(champ.remote_field.through._meta.db_table)
    return sorted(tables - EXCLUES)


def installer_declencheurs(using: str = "default", **kwargs) -> None:
    """Create (again) the triggers of every followed table: after each migrate, so that a
    new table is followed from its first write. Idempotent."""
    connexion = connections[using]
    existantes = set(connexion.introspection.table_names())
    if JOURNAL not in existantes:
        return  # before projet_social's migration
    # (SQLite refuses DEFAULT VALUES in a trigger; PostgreSQL refuses NULL for the id.)
    if connexion.vendor == "sqlite":
        noter = f'INSERT INTO "{JOURNAL}" ("id") VALUES (NULL)'
    else:
        noter = f'INSERT INTO "{JOURNAL}" DEFAULT VALUES'
    colonnes = ", ".join(f'"{c}"' for c in COLONNES_UTILISATEUR)
    with connexion.cursor() as curseur:
        if connexion.vendor == "postgresql":
            curseur.execute(
                "CREATE OR REPLACE FUNCTION ps_noter_ecriture() RETURNS trigger "
                f"LANGUAGE plpgsql AS $$ BEGIN {noter}; RETURN NULL; END $$"
            )
            faire = "FOR EACH STATEMENT EXECUTE FUNCTION ps_noter_ecriture()"
            for table in tables_suivies():
                if table in existantes:
                    curseur.execute(f'DROP TRIGGER IF EXISTS {NOM_DECLENCHEUR} ON "{table}"')
                    curseur.execute(
                        f"CREATE TRIGGER {NOM_DECLENCHEUR} AFTER INSERT OR UPDATE OR DELETE "
                        f'OR TRUNCATE ON "{table}" {faire}'
                    )
            if TABLE_UTILISATEURS in existantes:
                curseur.execute(
                    f'DROP TRIGGER IF EXISTS {NOM_DECLENCHEUR} ON "{TABLE_UTILISATEURS}"'
                )
                curseur.execute(
                    f"CREATE TRIGGER {NOM_DECLENCHEUR} AFTER INSERT OR DELETE OR UPDATE OF "
                    f'{colonnes} ON "{TABLE_UTILISATEURS}" {faire}'
                )
        elif connexion.vendor == "sqlite":
            for table in tables_suivies():
                if table in existantes:
                    for quand in ("INSERT", "UPDATE", "DELETE"):
                        _declencheur_sqlite(curseur, table, quand, noter)
            if TABLE_UTILISATEURS in existantes:
                for quand in ("INSERT", "DELETE", f"UPDATE OF {colonnes}"):
                    _declencheur_sqlite(curseur, TABLE_UTILISATEURS, quand, noter)


def supprimer_declencheurs(using: str = "default") -> None:
    """Drop the triggers (before the log's table is dropped: a migration undone)."""
    connexion = connections[using]
    existantes = set(connexion.introspection.table_names())
    with connexion.cursor() as curseur:
        if connexion.vendor == "postgresql":
            for table in [*tables_suivies(), TABLE_UTILISATEURS]:
                if table in existantes:
                    curseur.execute(f'DROP TRIGGER IF EXISTS {NOM_DECLENCHEUR} ON "{table}"')
            curseur.execute("DROP FUNCTION IF EXISTS ps_noter_ecriture()")
        elif connexion.vendor == "sqlite":
            curseur.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE %s",
                [f"{NOM_DECLENCHEUR}_%"],
            )
            for (nom,) in curseur.fetchall():
                curseur.execute(f'DROP TRIGGER IF EXISTS "{nom}"')


def _declencheur_sqlite(curseur, table: str, quand: str, noter: str) -> None:
    nom = f"{NOM_DECLENCHEUR}_{quand.split()[0].lower()}_{table}"
    curseur.execute(f'DROP TRIGGER IF EXISTS "{nom}"')
    curseur.execute(f'CREATE TRIGGER "{nom}" AFTER {quand} ON "{table}" BEGIN {noter}; END')


def tables_declenchees(using: str = "default") -> set[str]:
    """The tables that carry our trigger (what the tests compare with ``tables_suivies``)."""
    connexion = connections[using]
    with connexion.cursor() as curseur:
        if connexion.vendor == "postgresql":
            curseur.execute(
                "SELECT DISTINCT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                "WHERE t.tgname = %s",
                [NOM_DECLENCHEUR],
            )
        else:
            curseur.execute(
                "SELECT DISTINCT tbl_name FROM sqlite_master WHERE type = 'trigger' AND name "
                "LIKE %s",
                [f"{NOM_DECLENCHEUR}_%"],
            )
        return {ligne[0] for ligne in curseur.fetchall()}


def generation(using: str = "default") -> tuple[int, int]:
    """The plan's generation: changes at each committed write, one query (two more, and a
    write, when the log is pruned)."""
    with connections[using].cursor() as curseur:
        lire = f'SELECT COUNT(*), MAX("id") FROM "{JOURNAL}"'
        curseur.execute(lire)
        nombre, maximum = curseur.fetchone()
        if nombre > TAILLE_MAX_DU_JOURNAL:
            curseur.execute(
                f'DELETE FROM "{JOURNAL}" WHERE "id" <= %s', [maximum - GARDEES_APRES_ELAGAGE]
            )
            curseur.execute(f'INSERT INTO "{JOURNAL}" DEFAULT VALUES')
            curseur.execute(lire)
            nombre, maximum = curseur.fetchone()
    return nombre, maximum or 0


def fragment(nom: str, generation_lue: tuple[int, int], parties: tuple, rendre: Callable[[], str]):
    """The HTML of the part ``nom`` for ``parties``, kept from an earlier rendering at the
    same generation and date, else ``rendre()`` (which reads the data) and kept.
    ``generation_lue`` must have been read before any data ``rendre`` shows."""
    cle = hashlib.sha256(
        repr((nom, generation_lue, timezone.localdate().isoformat(), parties)).encode()
    ).hexdigest()
    cache = caches["pages"]
    html = cache.get(cle)
    if html is None:
        html = str(rendre())
        cache.set(cle, html)
    return mark_safe(html)  # noqa: S308 - rendered by our templates, escaped there


# --- What a server process keeps until the plan changes ---------------------------------------
#
# Some reads are the same for every page until the plan changes: the current plan, its latest
# review, the fiches in code order, a user's rights. Each costs a query (0.6 to 3 ms of
# Python and database on PostgreSQL) on nearly every page; ``memoire`` keeps their result in
# the process, under the generation read once per request (one query of its own). A POST
# reads the generation at each use, and nothing is kept inside a transaction of our own (its
# writes are not committed: SQLite would even give its log's numbers again after a rollback).

_requete = threading.local()
# {(generation, date): {(name, parts): value}}: only the latest generation is kept.
_memoire: dict[tuple, dict[tuple, object]] = {}
TAILLE_MAX_MEMOIRE = 2_000


@receiver(request_started, dispatch_uid="ps_generation_requete")
def _debut_de_requete(sender, environ=None, **kwargs) -> None:
    methode = (environ or {}).get("REQUEST_METHOD", "")
    _requete.lecture = methode in ("GET", "HEAD")
    _requete.generation = None


@receiver(request_finished, dispatch_uid="ps_generation_fin_de_requete")
def _fin_de_requete(sender, **kwargs) -> None:
    _requete.lecture = False
    _requete.generation = None


def _dans_une_transaction(using: str = "default") -> bool:
    """In a transaction of ours (a test's own, rolled back at its end, does not count)."""
    return any(not bloc._from_testcase for bloc in connections[using].atomic_blocks)


def generation_de_la_requete() -> tuple[int, int]:
    """The generation, read once per GET request (at its first use); at each call otherwise
    (a POST, which writes; a command; a thread)."""
    lue = getattr(_requete, "generation", None)
    if lue is None:
        lue = generation()
        if getattr(_requete, "lecture", False) and not _dans_une_transaction():
            _requete.generation = lue
    return lue


def memoire(nom: str, parties: tuple, calculer: Callable[[], T]) -> T:
    """``calculer()`` (which reads the plan), kept in this process while the plan is at the
    same generation and date, and shared by the requests that follow. A model instance, or a
    tuple of them, is given out as a copy: a view may change its own. (Other values are
    shared as they are: nothing changes them.)"""
    if _dans_une_transaction():
        return calculer()
    cle_generation = (generation_de_la_requete(), timezone.localdate())
    valeurs = _memoire.get(cle_generation)
    if valeurs is None or len(valeurs) > TAILLE_MAX_MEMOIRE:
        valeurs = {}
        _memoire.clear()
        _memoire[cle_generation] = valeurs
    cle = (nom, parties)
    if cle not in valeurs:
        valeurs[cle] = calculer()
    return _copie(valeurs[cle])


def _copie(valeur):
    if isinstance(valeur, Model):
        return copy.copy(valeur)
    if type(valeur) is tuple:  # not a named tuple, whose fields are values
        return tuple(_copie(element) for element in valeur)
    return valeur


def oublier() -> None:
    """Drop what the process keeps (the tests, whose rolled-back data can give a generation
    again)."""
    _memoire.clear()
    _requete.generation = None
