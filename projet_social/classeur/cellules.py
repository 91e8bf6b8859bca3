"""The cells of the workbook: how each kind of value is written to a cell and read back.

Every type reads back what it writes (``lire(ecrire(x)) == x``), which is what makes an
exported workbook re-import as "unchanged". Reading is forgiving where a person typing in a
spreadsheet would expect it (a choice typed "en cours" or "EN-COURS", a date typed
"3 mars 2025", a code typed "2,3"), and says in French what is expected otherwise.
"""

import datetime
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import models

from projet_social.resources import (
    DateWidget,
    OuiNonWidget,
    cellule_texte,
    echapper_ooxml,
    lire_ooxml,
    neutraliser_formule,
)
from projet_social.search import cle_de_nom, sans_accent


class CelluleInvalide(ValueError):
    """A cell's value is not what its column expects; the message says what is expected."""


# What keys and choices are compared on ("En-cours" -> "en cours"): the rule that makes two
# partners' names the same name (Partenaire.nom_normalise).
normaliser = cle_de_nom


def texte_lu(valeur: Any) -> str:
    """A cell as text: OOXML escapes ("_x000D_") read back, stripped, the quote that exports
    put before a formula-like text removed (``cellule_texte``)."""
    if isinstance(valeur, str):
        valeur = lire_ooxml(valeur)
    elif isinstance(valeur, datetime.date):  # a datetime too
        return valeur.strftime("%d/%m/%Y")
    return cellule_texte(valeur)


def texte_ecrit(texte: str) -> str | None:
    """A text as written to a cell: no spreadsheet runs it as a formula, every character
    survives (OOXML escapes), an empty text is an empty cell."""
    if not texte:
        return None
    return echapper_ooxml(neutraliser_formule(texte))


class TypeDeCellule:
    """How one kind of value is read from and written to a cell."""

    # For the Lisez-moi and the error messages: what the column accepts.
    attendu = ""
    # Excel's number format of the column's cells (None: general).
    format_excel: str | None = None

    def lire(self, valeur: Any) -> Any:
        raise NotImplementedError

    def ecrire(self, valeur: Any) -> Any:
        return valeur

    def liste(self) -> list[str] | None:
        """The values of the column's drop-down list, if it has one."""
        return None


class Texte(TypeDeCellule):
    def __init__(self, attendu: str = "Texte libre.") -> None:
        self.attendu = attendu

    def lire(self, valeur: Any) -> str:
        if isinstance(valeur, bool):
            return "oui" if valeur else "non"
        return texte_lu(valeur)

    def ecrire(self, valeur: str | None) -> str | None:
        return texte_ecrit(valeur or "")


class Entier(TypeDeCellule):
    def __init__(
        self, minimum: int = 0, maximum: int = 32767, attendu: str = "", defaut: int | None = None
    ) -> None:
        self.minimum = minimum
        self.maximum = maximum
        self.defaut = defaut
        self.attendu = attendu or f"Un nombre entier de {minimum} à {maximum}."

    def lire(self, valeur: Any) -> int | None:
        if valeur is None or (isinstance(valeur, str) and not texte_lu(valeur)):
            return self.defaut
        nombre = None
        if isinstance(valeur, bool) or isinstance(valeur, datetime.date):
            pass
        elif isinstance(valeur, int):
            nombre = valeur
        elif isinstance(valeur, float) and valeur.is_integer():
            nombre = int(valeur)
        elif isinstance(valeur, str) and re.fullmatch(r"[+-]?\d+", texte_lu(valeur)):
            nombre = int(texte_lu(valeur))
        if nombre is None or not self.minimum <= nombre <= self.maximum:
            raise CelluleInvalide(f"attendu : {self.attendu[0].lower()}{self.attendu[1:]}")
        return nombre


class Nombre(TypeDeCellule):
    """A decimal number (an amount, a target): a number cell, or "12,5" / "12.5" typed."""

    attendu = "Un nombre, par exemple 1500 ou 12,5 (deux décimales au plus)."
    format_excel = "#,##0.00"

    def lire(self, valeur: Any) -> Decimal | None:
        if isinstance(valeur, int | float | Decimal) and not isinstance(valeur, bool):
            return Decimal(str(valeur))
        if isinstance(valeur, str):
            texte = texte_lu(valeur)
            for espace in (" ", "\u202f", "\xa0"):
                texte = texte.replace(espace, "")
            texte = texte.removesuffix("€")
            if not texte:
                return None
            try:
                nombre = Decimal(texte.replace(",", "."))
            except InvalidOperation:
                nombre = None
            if nombre is not None and nombre.is_finite():
                return nombre
        elif valeur is None:
            return None
        raise CelluleInvalide("attendu : un nombre, par exemple 1500 ou 12,5.")


MOIS = {
    "janvier": 1,
    "janv": 1,
    "fevrier": 2,
    "fevr": 2,
    "fev": 2,
    "mars": 3,
    "avril": 4,
    "avr": 4,
    "mai": 5,
    "juin": 6,
    "juillet": 7,
    "juil": 7,
    "aout": 8,
    "septembre": 9,
    "sept": 9,
    "octobre": 10,
    "oct": 10,
    "novembre": 11,
    "nov": 11,
    "decembre": 12,
    "dec": 12,
}
JOURS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
DATE_EN_LETTRES = re.compile(
    r"^(?:(?:" + "|".join(JOURS) + r")\s+)?(1er|\d{1,2})\s+([a-z]+)\.?\s+(\d{4})$"
)


def date_en_lettres(texte: str) -> datetime.date | None:
    """ "3 mars 2025", "1er août 2025", "lundi 3 mars 2025", "3 janv. 2025" -> a date."""
    correspondance = DATE_EN_LETTRES.match(" ".join(sans_accent(texte).split()))
    if correspondance is None:
        return None
    jour, mois, annee = correspondance.groups()
    if mois not in MOIS:
        return None
    try:
        return datetime.date(int(annee), MOIS[mois], 1 if jour == "1er" else int(jour))
    except ValueError:
        return None


class Date(TypeDeCellule):
    attendu = (
        "Une date : une cellule au format date, ou une date écrite JJ/MM/AAAA "
        "(31/12/2025) ou en lettres (3 mars 2025)."
    )
    format_excel = "DD/MM/YYYY"
    ATTENDU_COURT = "attendu : une date JJ/MM/AAAA (par exemple 31/12/2025) ou « 3 mars 2025 »."

    def lire(self, valeur: Any) -> datetime.date | None:
        if isinstance(valeur, datetime.datetime):
            return valeur.date()
        if isinstance(valeur, datetime.date):
            return valeur
        if isinstance(valeur, int | float) and not isinstance(valeur, bool):
            raise CelluleInvalide(
                "un nombre n'est pas une date : mettez la cellule au format date, ou "
                + self.ATTENDU_COURT.removeprefix("attendu : ")
            )
        texte = texte_lu(valeur) if valeur is not None else ""
        if not texte:
            return None
        try:
            return DateWidget().clean(texte)
        except ValueError:
            pass
        date = date_en_lettres(texte)
        if date is None:
            raise CelluleInvalide(f"date non reconnue, {self.ATTENDU_COURT}")
        return date


class OuiNon(TypeDeCellule):
    attendu = "« oui » ou « non » (vide : non)."

    def lire(self, valeur: Any) -> bool:
        if isinstance(valeur, bool):
            return valeur
        try:
            return bool(OuiNonWidget().clean(texte_lu(valeur)))
        except ValueError:
            raise CelluleInvalide("attendu : « oui » ou « non ».") from None

    def ecrire(self, valeur: bool | None) -> str | None:
        if valeur is None:
            return None
        return "oui" if valeur else "non"

    def liste(self) -> list[str]:
        return ["oui", "non"]


class Choix(TypeDeCellule):
    """A TextChoices field shown by its French label; the label is read whatever its case,
    accents and separators ("en-cours", "EN COURS"), and so is the stored code."""

    def __init__(
        self, choix: type[models.TextChoices], defaut: str | None = None, vide: str = ""
    ) -> None:
        """``defaut``: the value of an empty cell (the model's default); ``vide``: how the
        Lisez-moi says it, when not by its label."""
        self.choix = choix
        self.defaut = defaut
        if defaut and not vide:
            vide = f"Vide : {choix(defaut).label}."
        libelles = ", ".join(f"« {libelle} »" for libelle in choix.labels)
        self.attendu = f"Une valeur de la liste : {libelles}." + (f" {vide}" if vide else "")
        self._valeurs = {}
        for valeur, libelle in choix.choices:
            self._valeurs[normaliser(valeur)] = valeur
            self._valeurs[normaliser(str(libelle))] = valeur

    def lire(self, valeur: Any) -> str | None:
        texte = texte_lu(valeur)
        if not texte:
            return self.defaut
        trouve = self._valeurs.get(normaliser(texte))
        if trouve is None:
            libelles = ", ".join(f"« {libelle} »" for libelle in self.choix.labels)
            raise CelluleInvalide(f"valeur inconnue, attendu l'une de : {libelles}.")
        return trouve

    def ecrire(self, valeur: str | None) -> str | None:
        if not valeur:
            return None
        return texte_ecrit(str(self.choix(valeur).label))

    def liste(self) -> list[str]:
        return [str(libelle) for libelle in self.choix.labels]


class Code(TypeDeCellule):
    """A number users read: "2" (an axe), "2.3" (an objective), "2.3.1" (an action)."""

    format_excel = "@"  # typed "2.10", a code stays text instead of becoming the number 2.1

    def __init__(self, parties: int, nom: str) -> None:
        self.parties = parties
        self.exemple = ".".join(str(n) for n in (2, 3, 1)[:parties])
        self.attendu = (
            f"Le code {nom} : {parties} nombres séparés par des points, par exemple "
            f"« {self.exemple} »."
        )

    def lire(self, valeur: Any) -> tuple[int, ...] | None:
        texte = texte_lu(valeur).replace(",", ".") if not isinstance(valeur, bool) else "?"
        if not texte:
            return None
        morceaux = texte.split(".")
        if len(morceaux) != self.parties or not all(m.isdigit() for m in morceaux):
            raise CelluleInvalide(
                f"code non reconnu, attendu : {self.parties} nombres séparés par des points, "
                f"par exemple « {self.exemple} »."
            )
        nombres = tuple(int(m) for m in morceaux)
        if not all(1 <= n <= 32767 for n in nombres):
            raise CelluleInvalide("chaque nombre d'un code va de 1 à 32767.")
        return nombres

    def ecrire(self, valeur: tuple[int, ...] | None) -> str | None:
        if valeur is None:
            return None
        return ".".join(str(n) for n in valeur)


SEPARATEUR = ";"


class Liste(TypeDeCellule):
    """Several names in one cell, separated by ";"."""

    def __init__(self, attendu: str) -> None:
        self.attendu = attendu

    def lire(self, valeur: Any) -> list[str]:
        return [nom.strip() for nom in texte_lu(valeur).split(SEPARATEUR) if nom.strip()]

    def ecrire(self, valeur: list[str]) -> str | None:
        return texte_ecrit(f"{SEPARATEUR} ".join(valeur))
