"""Text search that forgives case and accents ("epicerie" finds "Épicerie sociale").

Every word typed must appear, as a substring ("maria" finds "Marianne"), in one of the
fields, compared in lower case without accents: with unaccent() on PostgreSQL (extension
created by a migration), with a function registered on each SQLite connection (see
ProjetSocialConfig.ready). On PostgreSQL, French full-text search (stemming: "ateliers" finds
"atelier") also matches.
"""

import unicodedata

from django.db import connection
from django.db.models import CharField, F, Func, Q, QuerySet, TextField, Value
from django.db.models.functions import Coalesce, Concat, Lower

SQLITE_FUNCTION = "ps_sans_accent"


def sans_accent(texte: str | None) -> str:
    """Lower case, accents removed: "Épicerie Sociale" -> "epicerie sociale"."""
    if texte is None:
        return ""
    decomposed = unicodedata.normalize("NFKD", texte.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


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


def filtrer_texte(queryset: QuerySet, recherche: str, champs: list[str]) -> QuerySet:
    """Rows of ``queryset`` whose ``champs`` match ``recherche`` (see the module docstring)."""
    recherche = (recherche or "").strip()
    if not recherche:
        return queryset
    morceaux = []
    for champ in champs:
        morceaux += [Coalesce(F(champ), Value(""), output_field=TextField()), Value(" ")]
    queryset = queryset.annotate(_texte=normalise(Concat(*morceaux, output_field=TextField())))
    filtre = Q()
    for mot in sans_accent(recherche).split():
        filtre &= Q(_texte__contains=mot)
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import SearchQuery, SearchVector

        vecteur = SearchVector(*champs, config="french")
        requete = SearchQuery(recherche, config="french", search_type="websearch")
        queryset = queryset.annotate(_recherche=vecteur)
        filtre = Q(_recherche=requete) | filtre
    return queryset.filter(filtre)
