"""Reading a workbook to import: bounded, and every bad input told in French.

``lire_fichier`` takes an XLSX workbook (every sheet) or a CSV file (one sheet, recognised by
its headers; see ``lire_csv``).

The file is refused before it is parsed when it is too large (IMPORT_TAILLE_MAX), is no
XLSX nor CSV (an old .xls, a LibreOffice .ods, a PDF…), is password-protected, or would decompress
to far more than its size. It is then read with openpyxl's streaming reader, one row at a
time, each sheet stopping past ``LIGNES_MAX`` rows. What is read is the raw cell values under
the headers of the sheet definitions; formula cells, error cells and merged cells are errors
(a formula's result is not what the file holds, and a merged cell has one value for several).
"""

import codecs
import csv
import io
import os
import re
import zipfile
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils.cell import range_boundaries

from projet_social.classeur.cellules import normaliser, texte_lu
from projet_social.classeur.feuilles import (
    FEUILLES,
    LIGNES_MAX,
    LISEZ_MOI,
    LISTES,
    Feuille,
    taille_max_import,
)
from projet_social.classeur.rapport import Erreur, Rapport
from projet_social.resources import echapper_ooxml

SIGNATURE_ZIP = b"PK\x03\x04"
SIGNATURE_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Excel 97-2003, and encrypted OOXML
# An XLSX decompresses to a few times its size; far more is a "zip bomb".
DECOMPRESSION_MAX = 30
COLONNES_MAX = 200
FORMULE = (
    "une formule n'est pas acceptée : saisissez la valeur elle-même (copiez la cellule, puis "
    "collage spécial « valeurs »)."
)


class ClasseurRefuse(Exception):
    """The file cannot be read as the workbook; the message says why, in French."""


@dataclass
class LigneLue:
    numero: int  # the row number the spreadsheet shows
    cellules: dict[str, Any]  # header of the definition -> raw cell value
    # Headers of the cells that could not be read (a formula…): reported already; the row is
    # not imported.
    illisibles: set[str] = field(default_factory=set)


@dataclass
class FeuilleLue:
    definition: Feuille
    # Header -> its column in the file, from 0 (the columns may be in any order).
    positions: dict[str, int]
    lignes: list[LigneLue] = field(default_factory=list)


def _nombre(n: int) -> str:
    """20000 -> "20 000" (a narrow no-break space, as French typography has it)."""
    return f"{n:,}".replace(",", "\u202f")


def en_mo(octets: int) -> str:
    """10485760 -> "10 Mo", 1572864 -> "1,5 Mo"."""
    return f"{octets / (1024 * 1024):.1f}".replace(".", ",").removesuffix(",0") + " Mo"


def lire_octets(fichier) -> bytes:
    """The file's bytes: ``fichier`` is bytes, a path, or a file object (an upload); refused
    past the size limit without reading further."""
    limite = taille_max_import()
    trop_gros = (
        "Le fichier pèse {taille} : il dépasse la taille maximale de {limite} (réglage "
        "IMPORT_TAILLE_MAX). Découpez-le ou allégez-le."
    )
    if isinstance(fichier, bytes | bytearray | memoryview):
        donnees = bytes(fichier)
    elif isinstance(fichier, str | os.PathLike):
        try:
            taille = os.path.getsize(fichier)
            if taille > limite:
                raise ClasseurRefuse(trop_gros.format(taille=en_mo(taille), limite=en_mo(limite)))
            with open(fichier, "rb") as flux:
                donnees = flux.read(limite + 1)
        except OSError:
            raise ClasseurRefuse(
                f"Le fichier « {fichier} » est introuvable ou illisible."
            ) from None
    else:
        taille = getattr(fichier, "size", None)
        if taille is not None and taille > limite:
            raise ClasseurRefuse(trop_gros.format(taille=en_mo(taille), limite=en_mo(limite)))
        if hasattr(fichier, "seek"):
            fichier.seek(0)
        donnees = fichier.read(limite + 1)
    if len(donnees) > limite:
        raise ClasseurRefuse(
            trop_gros.format(taille=f"plus de {en_mo(limite)}", limite=en_mo(limite))
        )
    return donnees


def _verifier_le_format(donnees: bytes) -> zipfile.ZipFile:
    pas_xlsx = (
        "Ce fichier n'est pas un classeur Excel (.xlsx) : ouvrez-le dans votre tableur et "
        "enregistrez-le au format « Classeur Excel (.xlsx) », puis importez-le."
    )
    if not donnees:
        raise ClasseurRefuse("Le fichier est vide.")
    if donnees.startswith(SIGNATURE_OLE):
        if "EncryptionInfo".encode("utf-16-le") in donnees:
            raise ClasseurRefuse(
                "Le classeur est protégé par un mot de passe : enregistrez-en une copie sans mot "
                "de passe (dans Excel : Fichier > Informations > Protéger le classeur > "
                "Chiffrer avec mot de passe, puis videz le mot de passe), puis importez-la."
            )
        raise ClasseurRefuse(
            "Ce fichier est au format Excel 97-2003 (.xls) : enregistrez-le au format "
            "« Classeur Excel (.xlsx) », puis importez-le."
        )
    if not donnees.startswith(SIGNATURE_ZIP):
        raise ClasseurRefuse(pas_xlsx)
    try:
        archive = zipfile.ZipFile(io.BytesIO(donnees))
        noms = set(archive.namelist())
        decompresse = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError):
        raise ClasseurRefuse(
            "Le classeur est endommagé ou incomplet : ouvrez-le dans votre tableur, "
            "enregistrez-le à nouveau, puis importez-le."
        ) from None
    if "[Content_Types].xml" not in noms or "xl/workbook.xml" not in noms:
        if "mimetype" in noms and archive.read("mimetype").startswith(b"application/vnd.oasis"):
            raise ClasseurRefuse(
                "Ce fichier est un classeur OpenDocument (.ods) : enregistrez-le au format "
                "« Classeur Excel (.xlsx) », puis importez-le."
            )
        raise ClasseurRefuse(pas_xlsx)
    if decompresse > DECOMPRESSION_MAX * taille_max_import():
        raise ClasseurRefuse(
            f"Le classeur décompressé occuperait {en_mo(decompresse)} : c'est bien plus que ce "
            "que contient un projet social, il est refusé."
        )
    return archive


def lire_fichier(fichier, rapport: Rapport) -> tuple[dict[str, FeuilleLue], bool]:
    """(the sheets read, whether the file is a whole workbook): an XLSX has every sheet, a CSV
    one. Problems of the file as a whole raise ClasseurRefuse."""
    donnees = lire_octets(fichier)
    if not donnees or donnees.startswith((SIGNATURE_ZIP, SIGNATURE_OLE)):
        return lire_classeur(donnees, rapport), True
    if not _est_du_texte(donnees):
        return lire_classeur(donnees, rapport), True
    return lire_csv(donnees, rapport), False


def lire_classeur(fichier, rapport: Rapport) -> dict[str, FeuilleLue]:
    """The sheets of the workbook, by definition name. Problems of the file as a whole raise
    ClasseurRefuse; those of its sheets, headers and cells are added to ``rapport``."""
    donnees = lire_octets(fichier)
    archive = _verifier_le_format(donnees)
    try:
        classeur = load_workbook(io.BytesIO(donnees), read_only=True, keep_links=False)
    except Exception:  # openpyxl raises many kinds of errors on a damaged file
        raise ClasseurRefuse(
            "Le classeur est endommagé ou n'est pas un classeur Excel valide : ouvrez-le dans "
            "votre tableur, enregistrez-le à nouveau au format .xlsx, puis importez-le."
        ) from None
    try:
        return _lire_feuilles(classeur, archive, rapport)
    finally:
        classeur.close()


def _lire_feuilles(classeur, archive: zipfile.ZipFile, rapport: Rapport) -> dict[str, FeuilleLue]:
    presentes = {normaliser(nom): nom for nom in classeur.sheetnames}
    attendues = {normaliser(definition.nom) for definition in FEUILLES}
    ignorees = {normaliser(LISEZ_MOI), normaliser(LISTES)}
    for cle, nom in presentes.items():
        if cle not in attendues and cle not in ignorees:
            rapport.avertissements.append(
                f"Feuille « {nom} » ignorée : elle ne fait pas partie du classeur du projet social."
            )
    manquantes = [d.nom for d in FEUILLES if normaliser(d.nom) not in presentes]
    for nom in manquantes:
        rapport.erreurs.append(
            Erreur(
                "feuille absente du classeur. Il doit contenir les feuilles "
                + ", ".join(f"« {d.nom} »" for d in FEUILLES)
                + " : partez d'un export ou du modèle vide.",
                feuille=nom,
            )
        )
    lues = {}
    for definition in FEUILLES:
        nom = presentes.get(normaliser(definition.nom))
        if nom is None:
            continue
        feuille = classeur[nom]
        if not hasattr(feuille, "iter_rows"):  # a chart sheet
            rapport.erreurs.append(Erreur("ce n'est pas une feuille de calcul.", feuille=nom))
            continue
        try:
            lue = _lire_feuille(feuille, definition, rapport)
        except Exception:  # a damaged sheet: openpyxl raises many kinds of errors
            raise ClasseurRefuse(
                f"La feuille « {nom} » est endommagée : ouvrez le classeur dans votre tableur, "
                "enregistrez-le à nouveau, puis importez-le."
            ) from None
        if lue is not None:
            _signaler_les_fusions(archive, feuille, lue, rapport)
            lues[definition.nom] = lue
    return lues


def _lire_feuille(feuille, definition: Feuille, rapport: Rapport) -> FeuilleLue | None:
    nom = definition.nom
    # The dimension a file declares may be absent or wrong; read the rows that are there.
    feuille.reset_dimensions()
    entete = next(feuille.iter_rows(min_row=1, max_row=1, max_col=COLONNES_MAX), ())
    par_nom = {normaliser(entete): entete for entete in definition.entetes}
    positions: dict[str, int] = {}
    erreurs = len(rapport.erreurs)
    for position, cellule in enumerate(entete):
        if cellule.value is None:
            continue
        if getattr(cellule, "data_type", None) == "f":
            rapport.erreurs.append(Erreur(FORMULE, nom, 1, None, str(cellule.value)))
            continue
        texte = texte_lu(cellule.value)
        attendue = par_nom.get(normaliser(texte))
        if attendue is None:
            if texte:
                rapport.avertissements.append(
                    f"Feuille « {nom} » : colonne « {texte} » inconnue, ignorée."
                )
        elif attendue in positions:
            rapport.erreurs.append(
                Erreur("cette colonne figure deux fois dans l'en-tête.", nom, 1, attendue)
            )
        else:
            positions[attendue] = position
    for entete in definition.entetes:
        if entete not in positions:
            rapport.erreurs.append(
                Erreur(
                    "colonne absente de la ligne d'en-tête (ligne 1) : gardez les en-têtes de "
                    "l'export ou du modèle vide.",
                    nom,
                    1,
                    entete,
                )
            )
    if len(rapport.erreurs) > erreurs:
        return None
    largeur = max(positions.values()) + 1
    lue = FeuilleLue(definition, positions=positions)
    for numero, cellules in enumerate(feuille.iter_rows(min_row=2, max_col=largeur), start=2):
        if numero > LIGNES_MAX + 1:
            rapport.erreurs.append(
                Erreur(
                    f"plus de {_nombre(LIGNES_MAX)} lignes sous l'en-tête, le maximum : "
                    "supprimez les lignes vides de la fin de la feuille, ou découpez l'import "
                    "en plusieurs classeurs.",
                    nom,
                )
            )
            return None
        ligne = _lire_ligne(numero, cellules, positions, nom, rapport)
        if ligne is not None:
            lue.lignes.append(ligne)
    return lue


def _lire_ligne(numero: int, cellules, positions: dict[str, int], nom: str, rapport: Rapport):
    valeurs = {}
    illisibles = set()
    for entete, position in positions.items():
        cellule = cellules[position] if position < len(cellules) else None
        valeur = None if cellule is None else cellule.value
        type_ = getattr(cellule, "data_type", None)
        if type_ == "f":
            rapport.erreurs.append(Erreur(FORMULE, nom, numero, entete, str(valeur)))
            illisibles.add(entete)
        elif type_ == "e":
            rapport.erreurs.append(
                Erreur(
                    "la cellule affiche une erreur du tableur : saisissez une valeur.",
                    nom,
                    numero,
                    entete,
                    str(valeur),
                )
            )
            illisibles.add(entete)
        valeurs[entete] = valeur
    if all(v is None or (isinstance(v, str) and not v.strip()) for v in valeurs.values()):
        return None  # an empty row
    return LigneLue(numero, valeurs, illisibles)


FUSION = re.compile(rb'<(?:\w+:)?mergeCell\b[^>]*?\bref="([A-Za-z]+[0-9]+(?::[A-Za-z]+[0-9]+)?)"')


def _signaler_les_fusions(archive, feuille, lue: FeuilleLue, rapport: Rapport) -> None:
    """Merged cells are listed after the rows of the sheet's XML, which openpyxl's streaming
    reader does not read: found in the XML itself, read by chunks."""
    chemin = getattr(feuille, "_worksheet_path", None)
    if not chemin:
        return
    plages = []
    with archive.open(chemin) as flux:
        reste = b""
        while morceau := flux.read(1 << 20):
            texte = reste + morceau
            derniere = 0
            for trouve in FUSION.finditer(texte):
                plages.append(trouve.group(1).decode())
                derniere = trouve.end()
            reste = texte[max(derniere, len(texte) - 300) :]
    entetes = {position + 1: entete for entete, position in lue.positions.items()}
    for plage in plages[:20]:
        colonne, ligne, _, _ = range_boundaries(plage)
        rapport.erreurs.append(
            Erreur(
                f"cellules fusionnées ({plage}) : défusionnez-les, une valeur par cellule.",
                lue.definition.nom,
                ligne,
                entetes.get(colonne),
            )
        )


# --- CSV: one sheet of the workbook ---------------------------------------------------------

# What French texts hold beyond ASCII, in Windows-1252: a file decoded that way with other
# characters was probably in another encoding.
CARACTERES_FRANCAIS = set(
    "àâäáãçéèêëíìîïñóòôöõúùûüÿœæÀÂÄÁÃÇÉÈÊËÍÌÎÏÑÓÒÔÖÕÚÙÛÜŸŒÆ«»€’‘“”–—…°²³\xa0•·×"
)
SEPARATEURS_CSV = (";", ",", "\t")
ENCODAGE_INCERTAIN = (
    "L'encodage de ce fichier CSV n'est pas reconnu (ni UTF-8, ni Windows-1252) : dans votre "
    "tableur, enregistrez-le au format « CSV UTF-8 (délimité par des points-virgules) », ou "
    "mieux au format « Classeur Excel (.xlsx) », puis importez-le."
)


def _est_du_texte(donnees: bytes) -> bool:
    """A CSV is text: no NUL byte, and no PDF, image or other binary signature."""
    debut = donnees[:4096]
    return b"\x00" not in debut and not debut.startswith((b"%PDF", b"\x89PNG", b"\xff\xd8"))


def decoder_csv(donnees: bytes) -> str:
    """The text of a CSV: UTF-8 (with or without its BOM, as French Excel writes it) or
    Windows-1252 (Excel's « CSV (séparateur : point-virgule) » on Windows), detected; refused
    in French when neither fits."""
    if donnees.startswith(codecs.BOM_UTF8):
        donnees = donnees[len(codecs.BOM_UTF8) :]
    try:
        return donnees.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        texte = donnees.decode("cp1252")
    except UnicodeDecodeError:
        raise ClasseurRefuse(ENCODAGE_INCERTAIN) from None
    if any(c >= "\x80" and c not in CARACTERES_FRANCAIS for c in texte):
        raise ClasseurRefuse(ENCODAGE_INCERTAIN)
    return texte


def _feuille_du_csv(texte: str) -> tuple[Feuille, str]:
    """The workbook sheet whose headers the CSV's first line holds, and its separator: the
    pair that recognises the most headers (all of them, for a sheet exported as CSV)."""
    premiere = texte.lstrip("\r\n").splitlines()[0] if texte.strip() else ""
    meilleurs = []
    for separateur in SEPARATEURS_CSV:
        entetes = {normaliser(e) for e in next(csv.reader([premiere], delimiter=separateur), [])}
        for definition in FEUILLES:
            attendues = {normaliser(e) for e in definition.entetes}
            trouvees = len(attendues & entetes)
            # All of a sheet's headers first, then the most, then the fewest unknown ones.
            meilleurs.append(
                (
                    (trouvees == len(attendues), trouvees, -len(entetes - attendues)),
                    definition,
                    separateur,
                )
            )
    meilleurs.sort(key=lambda m: m[0], reverse=True)
    (complet, trouvees, _), definition, separateur = meilleurs[0]
    if trouvees < 2:
        noms = ", ".join(f"« {d.nom} »" for d in FEUILLES)
        raise ClasseurRefuse(
            "Ce fichier n'est pas un classeur Excel (.xlsx), et, lu comme un fichier CSV, sa "
            f"première ligne ne porte les en-têtes d'aucune feuille du classeur ({noms}) : "
            "importez le classeur Excel, ou une feuille exportée en CSV depuis la page du plan."
        )
    return definition, separateur


class _FeuilleCSV:
    """A CSV seen as the read-only sheet ``_lire_feuille`` reads: its rows of cells. Texts
    are given OOXML-escaped, as openpyxl gives an XLSX's, so that reading them back through
    the same rule (``texte_lu``) keeps every character."""

    def __init__(self, lignes: list[list[str]]) -> None:
        self.lignes = lignes

    def reset_dimensions(self) -> None:
        pass

    def iter_rows(self, min_row: int = 1, max_row: int | None = None, max_col: int = 0):
        fin = len(self.lignes) if max_row is None else min(max_row, len(self.lignes))
        for ligne in self.lignes[min_row - 1 : fin]:
            yield tuple(
                SimpleNamespace(value=echapper_ooxml(v) if v.strip() else None, data_type="s")
                for v in ligne[:max_col]
            )


def lire_csv(donnees: bytes, rapport: Rapport) -> dict[str, FeuilleLue]:
    """The one sheet of a CSV file, recognised by its headers."""
    texte = decoder_csv(donnees)
    definition, separateur = _feuille_du_csv(texte)
    try:
        lignes = list(csv.reader(io.StringIO(texte, newline=""), delimiter=separateur))
    except csv.Error:
        raise ClasseurRefuse(
            "Ce fichier CSV est mal formé (un guillemet n'est pas refermé) : ouvrez-le dans "
            "votre tableur, enregistrez-le à nouveau, puis importez-le."
        ) from None
    if len(lignes) > LIGNES_MAX + 1:
        rapport.erreurs.append(
            Erreur(
                f"plus de {_nombre(LIGNES_MAX)} lignes sous l'en-tête, le maximum : découpez "
                "l'import en plusieurs fichiers.",
                definition.nom,
            )
        )
        return {}
    nom_du_separateur = "tabulation" if separateur == "\t" else separateur
    rapport.avertissements.append(
        f"Fichier CSV : lu comme la feuille « {definition.nom} » du classeur (séparateur "
        f"« {nom_du_separateur} »). Seule cette feuille est importée."
    )
    lue = _lire_feuille(_FeuilleCSV(lignes), definition, rapport)
    return {definition.nom: lue} if lue is not None else {}
