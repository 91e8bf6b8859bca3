"""Writing the whole-plan workbook (``exporter_classeur``) and its empty template
(``modele_classeur``): a Lisez-moi sheet, one sheet per kind of row, a hidden sheet holding
the values of the drop-down lists."""

import codecs
import csv
import datetime
import hashlib
import io
from decimal import Decimal

from django.utils.text import slugify
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from axes.models import ProjetSocial
from projet_social.classeur.cellules import Choix, Entier, OuiNon, texte_ecrit
from projet_social.classeur.feuilles import (
    FEUILLES,
    LIGNES_MAX,
    LISEZ_MOI,
    LISTES,
    Feuille,
    taille_max_import,
)
from projet_social.resources import lire_ooxml

GRAS = Font(bold=True)
FOND_ENTETE = PatternFill("solid", fgColor="DCE6F0")
DERNIERE_LIGNE = LIGNES_MAX + 1  # the header is row 1


def exporter_classeur(projet: ProjetSocial) -> bytes:
    """The whole plan of ``projet`` as an XLSX workbook (see ``feuilles`` for its shape)."""
    return _classeur(projet)


def modele_classeur() -> bytes:
    """The same workbook without rows: sheets, headers, drop-down lists and Lisez-moi."""
    return _classeur(None)


def empreinte_du_plan(projet: ProjetSocial) -> str:
    """A fingerprint of everything the workbook holds of ``projet``: the cells an export would
    write, hashed. Any change to the plan that an import could meet changes it, so the browser
    import compares the fingerprint of its preview with that of the moment it confirms."""
    empreinte = hashlib.sha256()
    for feuille in FEUILLES:
        empreinte.update(feuille.nom.encode())
        for ligne in feuille.lignes(projet):
            empreinte.update(repr(feuille.cellules(ligne)).encode())
    return empreinte.hexdigest()


def feuille_par_slug(slug: str) -> Feuille | None:
    """The sheet named by its address ("besoins-abs" for « Besoins ABS »)."""
    return next((feuille for feuille in FEUILLES if slug_de(feuille) == slug), None)


def slug_de(feuille: Feuille) -> str:
    return slugify(feuille.nom)


def valeur_csv(valeur) -> str:
    """A cell as a French spreadsheet reads it in a CSV: dates JJ/MM/AAAA, decimal comma."""
    if valeur is None:
        return ""
    if isinstance(valeur, datetime.date):
        return valeur.strftime("%d/%m/%Y")
    if isinstance(valeur, Decimal | float):
        return str(valeur).replace(".", ",")
    if isinstance(valeur, str):
        return lire_ooxml(valeur)  # a CSV holds every character as it is
    return str(valeur)


def exporter_feuille_csv(projet: ProjetSocial, feuille: Feuille) -> bytes:
    """One sheet of the workbook as CSV (UTF-8 with its BOM, « ; », as French Excel expects):
    the same columns and cells, formula-like texts neutralised the same way, so the import
    reads it back unchanged."""
    sortie = io.StringIO()
    ecrivain = csv.writer(sortie, delimiter=";", lineterminator="\r\n")
    ecrivain.writerow(feuille.entetes)
    for ligne in feuille.lignes(projet):
        ecrivain.writerow([valeur_csv(cellule) for cellule in feuille.cellules(ligne)])
    return codecs.BOM_UTF8 + sortie.getvalue().encode("utf-8")


def _classeur(projet: ProjetSocial | None) -> bytes:
    classeur = Workbook()
    lisez_moi = classeur.active
    lisez_moi.title = LISEZ_MOI
    listes = _Listes()
    for feuille in FEUILLES:
        lignes = list(feuille.lignes(projet)) if projet is not None else []
        _ecrire_feuille(classeur.create_sheet(feuille.nom), feuille, lignes, listes)
    _ecrire_lisez_moi(lisez_moi, projet)
    listes.ecrire(classeur.create_sheet(LISTES))
    sortie = io.BytesIO()
    classeur.save(sortie)
    return sortie.getvalue()


class _Listes:
    """The values of the drop-down lists, one column each of the hidden sheet: a list kept on
    a sheet has no length limit, unlike one written in the validation itself (255 characters)."""

    def __init__(self) -> None:
        self.colonnes: dict[tuple[str, ...], str] = {}

    def plage(self, valeurs: list[str]) -> str:
        cle = tuple(valeurs)
        if cle not in self.colonnes:
            lettre = get_column_letter(len(self.colonnes) + 1)
            self.colonnes[cle] = f"'{LISTES}'!${lettre}$1:${lettre}${len(valeurs)}"
        return self.colonnes[cle]

    def ecrire(self, feuille: Worksheet) -> None:
        for rang, valeurs in enumerate(self.colonnes, start=1):
            for ligne, valeur in enumerate(valeurs, start=1):
                feuille.cell(row=ligne, column=rang, value=texte_ecrit(valeur))
        feuille.sheet_state = "hidden"


def _ecrire_feuille(feuille: Worksheet, definition: Feuille, lignes: list[dict], listes) -> None:
    feuille.append(definition.entetes)
    for cellule in feuille[1]:
        cellule.font = GRAS
        cellule.fill = FOND_ENTETE
    for ligne in lignes:
        feuille.append(definition.cellules(ligne))
    for rang, colonne in enumerate(definition.colonnes, start=1):
        lettre = get_column_letter(rang)
        dimension = feuille.column_dimensions[lettre]
        dimension.width = _largeur(colonne.entete, colonne.largeur)
        format_excel = colonne.type.format_excel
        if format_excel:
            # The column's style formats the rows typed later; each written cell gets it too.
            dimension.number_format = format_excel
            for (cellule,) in feuille.iter_rows(min_row=2, min_col=rang, max_col=rang):
                cellule.number_format = format_excel
        validation = _validation(colonne, listes)
        if validation is not None:
            feuille.add_data_validation(validation)
            validation.add(f"{lettre}2:{lettre}{DERNIERE_LIGNE}")
    feuille.freeze_panes = "B2"
    derniere = get_column_letter(len(definition.colonnes))
    feuille.auto_filter.ref = f"A1:{derniere}{max(len(lignes) + 1, 2)}"


def _largeur(entete: str, largeur: int) -> int:
    return max(largeur, len(entete) + 4)


def _validation(colonne, listes: _Listes) -> DataValidation | None:
    """A drop-down of the French labels for a choice (refusing other values), a whole number
    between its bounds, or a drop-down of another sheet's keys (warning only: the row may
    name a key the application already holds)."""
    type_ = colonne.type
    if isinstance(type_, Choix | OuiNon):
        valeurs = type_.liste()
        return DataValidation(
            type="list",
            formula1=listes.plage(valeurs),
            allow_blank=True,
            showErrorMessage=True,
            errorStyle="stop",
            errorTitle="Valeur non prévue",
            error=f"Choisissez dans la liste : {', '.join(valeurs)}."[:255],
        )
    if isinstance(type_, Entier):
        return DataValidation(
            type="whole",
            operator="between",
            formula1=str(type_.minimum),
            formula2=str(type_.maximum),
            allow_blank=True,
            showErrorMessage=True,
            errorStyle="stop",
            errorTitle="Nombre entier attendu",
            error=type_.attendu[:255],
        )
    if colonne.renvoi:
        return DataValidation(
            type="list",
            formula1=f"'{colonne.renvoi}'!$A$2:$A${DERNIERE_LIGNE}",
            allow_blank=True,
            showErrorMessage=True,
            errorStyle="warning",
            errorTitle="Valeur absente de la feuille",
            error=(
                f"Cette valeur n'est pas dans la première colonne de la feuille "
                f"« {colonne.renvoi} » : l'import la cherchera dans l'application."
            ),
        )
    return None


# --- Lisez-moi --------------------------------------------------------------------------------


def _regles() -> list[str]:
    taille = taille_max_import() / (1024 * 1024)
    lignes = f"{LIGNES_MAX:,}".replace(",", "\u202f")
    return [
        "Une feuille par type de données. La première ligne de chaque feuille porte les "
        "en-têtes : gardez-les tels quels. Une colonne manquante fait refuser l'import ; une "
        "colonne inconnue est ignorée et signalée par un avertissement.",
        "Chaque ligne est identifiée par sa clé (colonnes « oui (clé) » ci-dessous), faite des "
        "numéros et des noms que vous lisez : l'axe « 2 », l'objectif « 2.3 », l'action "
        "« 2.3.1 », un partenaire par son nom… Réimporter un classeur exporté puis modifié met "
        "à jour les lignes changées, sans doublon ; une clé nouvelle crée une ligne.",
        "Les textes des clés (noms, libellés, thématiques) sont comparés sans tenir compte des "
        "majuscules ni des accents ; l'orthographe enregistrée est conservée.",
        "L'import ne supprime rien : une ligne effacée du classeur reste dans l'application. "
        "Seules les listes de la feuille « Actions » (partenaires, publics cibles, besoins ABS) "
        "remplacent celles de la fiche.",
        "Tout ou rien : si une seule cellule est invalide, rien n'est enregistré. Le rapport "
        "nomme la feuille, la ligne, la colonne, la valeur trouvée et ce qui est attendu.",
        "Listes de choix : prenez la valeur dans la liste déroulante. Une valeur saisie est "
        "reconnue quelles que soient les majuscules, les accents et les tirets (« en cours », "
        "« EN COURS », « en-cours ») ; une cellule vide prend la valeur indiquée.",
        "Dates : une cellule au format date, ou JJ/MM/AAAA, ou en lettres (« 3 mars 2025 »). "
        "Un nombre n'est pas une date. Nombres : 1500 ou 12,5.",
        "Formules et cellules fusionnées sont refusées (« une formule n'est pas acceptée ») : "
        "collez les valeurs (collage spécial, valeurs). Les lignes vides sont ignorées.",
        "Un texte qui commence par =, +, - ou @ est précédé d'une apostrophe à l'export pour "
        "qu'aucun tableur ne l'exécute ; l'import la retire.",
        f"Taille : {taille:g} Mo au plus (réglage IMPORT_TAILLE_MAX), {lignes} lignes au plus "
        "par feuille.",
        "Les feuilles « Lisez-moi » et « Listes » (masquée : les valeurs des listes déroulantes) "
        "ne sont pas importées.",
    ]


def _ecrire_lisez_moi(feuille: Worksheet, projet: ProjetSocial | None) -> None:
    feuille.append(["Classeur du projet social de territoire"])
    feuille["A1"].font = Font(bold=True, size=14)
    if projet is not None:
        feuille.append([texte_ecrit(f"{projet.structure} : {projet.intitule} ({projet.periode}).")])
    else:
        feuille.append(["Modèle vide : remplissez les feuilles, puis importez le classeur."])
    feuille.append([])
    feuille.append(["Comment il s'importe"])
    feuille.cell(row=feuille.max_row, column=1).font = GRAS
    for regle in _regles():
        feuille.append([texte_ecrit(f"• {regle}")])
    feuille.append([])
    feuille.append(["Feuille", "Colonne", "Obligatoire", "Valeurs acceptées", "Description"])
    for cellule in feuille[feuille.max_row]:
        cellule.font = GRAS
        cellule.fill = FOND_ENTETE
    entete = feuille.max_row
    for definition in FEUILLES:
        feuille.append([definition.nom, None, None, None, texte_ecrit(definition.description)])
        feuille.cell(row=feuille.max_row, column=1).font = GRAS
        for colonne in definition.colonnes:
            if colonne.entete in definition.cle:
                obligatoire = "oui (clé)"
            else:
                obligatoire = "oui" if colonne.obligatoire else None
            feuille.append(
                [
                    definition.nom,
                    colonne.entete,
                    obligatoire,
                    texte_ecrit(colonne.type.attendu),
                    texte_ecrit(colonne.aide),
                ]
            )
    for lettre, largeur in zip("ABCDE", (16, 30, 12, 60, 60), strict=True):
        feuille.column_dimensions[lettre].width = largeur
    for ligne in feuille.iter_rows(min_row=entete + 1, min_col=4, max_col=5):
        for cellule in ligne:
            cellule.alignment = Alignment(wrap_text=True, vertical="top")
    feuille.freeze_panes = f"A{entete + 1}"
