"""Tables written as files people open in a spreadsheet: XLSX and CSV as French Excel expects.

A table is a ``Feuille``: a title, column headers and rows of Python values. The type of a
value decides its cell, so the callers never format anything:

- ``str``: a text cell, made safe from formulas (``neutraliser_formule``: "=HYPERLINK(…)"
  is written "'=HYPERLINK(…)"), in both formats;
- ``int``, ``Decimal``, ``float``: a number cell in XLSX; in CSV its digits with a decimal
  comma ("12,5"), never neutralised ("-2,5" is a number, not a formula);
- ``datetime.date``: a date cell shown JJ/MM/AAAA in XLSX; "31/12/2026" in CSV;
- ``bool``: "Oui" / "Non"; ``None``: an empty cell.

XLSX: header row bold, frozen and filterable, columns sized to their content, long texts
wrapped, texts written with OOXML's escape of the characters XML cannot carry ("_x000D_" for
a carriage return, as Excel does: ``echapper_ooxml``). CSV: UTF-8 with a BOM, ";" between
cells, "\\r\\n" line ends: what French Excel opens without an import wizard.
"""

import csv
import datetime
import io
from dataclasses import dataclass
from decimal import Decimal

from django.http import HttpResponse
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from projet_social.resources import echapper_ooxml, neutraliser_formule

XLSX = "xlsx"
CSV = "csv"
FORMATS = (XLSX, CSV)
TYPES_DE_CONTENU = {
    XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    CSV: "text/csv; charset=utf-8",
}

# Excel's limit for a text cell; a longer text would make it "repair" the file.
TEXTE_MAX = 32_767
# Column widths, in characters: texts longer than LARGEUR_MAX are wrapped.
LARGEUR_MIN = 8
LARGEUR_MAX = 60
LARGEUR_DATE = 12
FORMAT_DATE = "DD/MM/YYYY"

Valeur = str | int | float | Decimal | datetime.date | bool | None


@dataclass
class Feuille:
    """A table: a sheet of the workbook in XLSX, the whole file in CSV."""

    titre: str  # the sheet's name: 31 characters at most, none of []:*?/\
    entetes: list[str]
    lignes: list[list[Valeur]]


class FormatTableur:
    """The path converter of an export's format: ``export.<tableur:format>``."""

    regex = "xlsx|csv"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


def valeur_csv(valeur: Valeur) -> str:
    if valeur is None:
        return ""
    if isinstance(valeur, bool):
        return "Oui" if valeur else "Non"
    if isinstance(valeur, str):
        return neutraliser_formule(valeur)
    if isinstance(valeur, datetime.date):
        return valeur.strftime("%d/%m/%Y")
    if isinstance(valeur, Decimal):
        # "12.50" -> "12,5"; "100.00" -> "100" (normalize() gives 1E+2: "f" writes it out).
        return format(valeur.normalize(), "f").replace(".", ",")
    return str(valeur).replace(".", ",")  # int, float


def ecrire_csv(feuille: Feuille) -> bytes:
    tampon = io.StringIO()
    writer = csv.writer(tampon, delimiter=";", lineterminator="\r\n")
    writer.writerow([neutraliser_formule(entete) for entete in feuille.entetes])
    for ligne in feuille.lignes:
        writer.writerow([valeur_csv(valeur) for valeur in ligne])
    return tampon.getvalue().encode("utf-8-sig")


def valeur_xlsx(valeur: Valeur) -> str | int | float | Decimal | datetime.date | None:
    if isinstance(valeur, bool):
        return "Oui" if valeur else "Non"
    if isinstance(valeur, str):
        if not valeur:
            return None  # an empty cell, not an empty text
        texte = echapper_ooxml(neutraliser_formule(valeur))
        return texte if len(texte) <= TEXTE_MAX else texte[: TEXTE_MAX - 1] + "…"
    return valeur


def _largeur(valeur: Valeur) -> int:
    if valeur is None:
        return 0
    if isinstance(valeur, datetime.date):
        return LARGEUR_DATE
    texte = valeur_csv(valeur)
    return max((len(ligne) for ligne in texte.splitlines()), default=0)


def ecrire_xlsx(feuilles: list[Feuille], titre: str = "") -> bytes:
    classeur = Workbook()
    classeur.remove(classeur.active)
    classeur.properties.creator = "Projet social"
    classeur.properties.title = titre or None
    gras = Font(bold=True)
    a_la_ligne = Alignment(wrap_text=True, vertical="top")
    for feuille in feuilles:
        onglet = classeur.create_sheet(feuille.titre[:31])
        onglet.append([valeur_xlsx(entete) for entete in feuille.entetes])
        for cellule in onglet[1]:
            cellule.font = gras
        largeurs = [len(entete) + 2 for entete in feuille.entetes]
        for ligne in feuille.lignes:
            onglet.append([valeur_xlsx(valeur) for valeur in ligne])
            for colonne, valeur in enumerate(ligne):
                largeurs[colonne] = max(largeurs[colonne], _largeur(valeur) + 1)
        for colonne, largeur in enumerate(largeurs, start=1):
            lettre = get_column_letter(colonne)
            onglet.column_dimensions[lettre].width = min(max(largeur, LARGEUR_MIN), LARGEUR_MAX)
            for (cellule,) in onglet.iter_rows(min_row=2, min_col=colonne, max_col=colonne):
                if cellule.is_date:
                    cellule.number_format = FORMAT_DATE
                elif isinstance(cellule.value, str) and (
                    largeur > LARGEUR_MAX or "\n" in cellule.value
                ):
                    cellule.alignment = a_la_ligne
        onglet.freeze_panes = "A2"
        if feuille.entetes:
            onglet.auto_filter.ref = (
                f"A1:{get_column_letter(len(feuille.entetes))}{len(feuille.lignes) + 1}"
            )
    tampon = io.BytesIO()
    classeur.save(tampon)
    return tampon.getvalue()


def reponse(contenu: bytes, nom: str) -> HttpResponse:
    """The file ``nom`` ("actions-2026-11-26.csv") as a download; its extension gives the
    content type."""
    format_ = nom.rpartition(".")[2]
    response = HttpResponse(contenu, content_type=TYPES_DE_CONTENU[format_])
    response["Content-Disposition"] = f'attachment; filename="{nom}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


def fichier(format_: str, feuilles: list[Feuille], nom: str, titre: str = "") -> HttpResponse:
    """``feuilles`` as the download ``nom.<format_>``: every sheet in XLSX, the first in CSV."""
    if format_ == XLSX:
        contenu = ecrire_xlsx(feuilles, titre)
    else:
        contenu = ecrire_csv(feuilles[0])
    return reponse(contenu, f"{nom}.{format_}")
