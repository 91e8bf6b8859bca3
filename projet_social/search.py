"""Text search that forgives case and accents ("epicerie" finds "Épicerie sociale").

Every word typed must appear, as a substring ("maria" finds "Marianne"), in one of the
fields, compared in lower case without accents: with unaccent() on PostgreSQL (extension
created by a migration), with a function registered on each SQLite connection (see
ProjetSocialConfig.ready). On PostgreSQL, French full-text search (stemming: "ateliers" finds
"atelier") also matches.
"""

import re
import unicodedata
from collections.abc import Callable

from django.db import connection
from django.db.models import CharField, F, Func, Q, QuerySet, TextField, Value
from django.db.models.functions import Coalesce, Lower

SQLITE_FUNCTION = "ps_sans_accent"


def sans_accent(texte: str | None) -> str:
    """Lower case, accents removed: "Épicerie Sociale" -> "epicerie sociale"."""
    if texte is None:
        return ""
    decomposed = unicodedata.normalize("NFKD", texte.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def cle_de_nom(texte: str | None) -> str:
    """What names and choices are compared on: lower case, no accents, hyphens, underscores,
    apostrophes and runs of spaces read as one space ("Saint-Renan" = "saint renan")."""
    return " ".join(re.sub(r"[-_'’\s]+", " ", sans_accent(texte or "")).split())


def register_sqlite_functions(sender, connection, **kwargs) -> None:
    if connection.vendor == "sqlite":
        connection.connection.create_function(SQLITE_FUNCTION, 1, sans_accent, deterministic=True)


class SansAccent(Func):
    """SQLite: the registered Python function, lower case without accents."""

    function = SQLITE_FUNCTION
    output_field = CharField()


class _Unaccent(Func):
    function = "unaccent"
    output_field = CharField()


def normalise(expression) -> Func:
    """``expression`` in lower case without accents, in SQL, on either database.

    On PostgreSQL unaccent() comes first: lower() leaves "É" alone under the C collation."""
    if connection.vendor == "postgresql":
        return Lower(_Unaccent(expression))
    return SansAccent(expression)


def cle_de_tri(champ: str) -> Func:
    """Sort as a French reader expects ("Épicerie" among the E), whatever the collation."""
    return normalise(F(champ))


class _BoutABout(Func):
    """The texts end to end with the SQL ``||`` operator, flat: Concat() nests one call per
    piece, past SQLite's parser depth with a dozen fields."""

    template = "(%(expressions)s)"
    arg_joiner = " || "
    output_field = TextField()


def mots_de(recherche: str | None) -> list[str]:
    """The words of a search, in lower case without accents."""
    return sans_accent((recherche or "").strip()).split()


def filtrer_texte(
    queryset: QuerySet,
    recherche: str,
    champs: list[str],
    autres: Callable[[str], Q | None] | None = None,
) -> QuerySet:
    """Rows of ``queryset`` whose ``champs`` match ``recherche`` (see the module docstring).

    ``autres(mot)`` may give, for each word, another way for a row to match it (a number, a
    many-to-many relation such as partners): a row matches a word by either."""
    recherche = (recherche or "").strip()
    if not recherche:
        return queryset
    morceaux = []
    for champ in champs:
        morceaux += [Coalesce(F(champ), Value(""), output_field=TextField()), Value(" ")]
    queryset = queryset.annotate(_texte=normalise(_BoutABout(*morceaux)))
    filtre = Q()
    for mot in mots_de(recherche):
        condition = Q(_texte__contains=mot)
        autre = autres(mot) if autres is not None else None
        if autre is not None:
            condition |= autre
        filtre &= condition
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import SearchQuery, SearchVector

        vecteur = SearchVector(*champs, config="french")
        requete = SearchQuery(recherche, config="french", search_type="websearch")
        queryset = queryset.annotate(_recherche=vecteur)
        filtre = Q(_recherche=requete) | filtre
    return queryset.filter(filtre)
