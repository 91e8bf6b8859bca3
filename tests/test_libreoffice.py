"""The exported workbook opens in LibreOffice Calc, the spreadsheet most CCAS have besides
Excel: every sheet reads (converted to CSV by ``soffice --headless``), the drop-down lists
survive a save by LibreOffice, and the workbook LibreOffice saved imports back unchanged.

Skipped, with the reason shown, when LibreOffice is not installed; CI installs it and sets
LIBREOFFICE_REQUIRED=1, so that there a missing program fails instead of skipping."""

import csv
import io
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from openpyxl import load_workbook

from axes.models import ProjetSocial
from projet_social.classeur import exporter_classeur, importer_classeur
from projet_social.classeur.feuilles import FEUILLES
from tests.test_classeur import _bilans
from tests.test_demo import _charger

pytestmark = pytest.mark.django_db

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
# Field separator ;, quote ", UTF-8 (76), from line 1, cells as shown, every sheet (-1).
FILTRE_CSV = "csv:Text - txt - csv (StarCalc):59,34,76,1,,0,false,true,false,false,false,-1"


@pytest.fixture
def soffice(tmp_path):
    if not SOFFICE:
        message = "LibreOffice absent : apt-get install libreoffice-calc-nogui (voir .ci/run)"
        if os.environ.get("LIBREOFFICE_REQUIRED"):
            pytest.fail(message)
        pytest.skip(message)

    def convertir(fichier: Path, filtre: str) -> Path:
        sortie = tmp_path / "sortie"
        subprocess.run(
            [
                SOFFICE,
                f"-env:UserInstallation=file://{tmp_path}/profil",
                "--headless",
                "--convert-to",
                filtre,
                "--outdir",
                str(sortie),
                str(fichier),
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )
        return sortie

    return convertir


@pytest.fixture
def classeur(settings, tmp_path):
    _charger(settings)
    projet = ProjetSocial.objects.get()
    chemin = tmp_path / "plan.xlsx"
    chemin.write_bytes(exporter_classeur(projet))
    return projet, chemin


def test_libreoffice_reads_every_sheet_of_the_demo_workbook(soffice, classeur):
    projet, chemin = classeur
    exporte = load_workbook(chemin, read_only=True)

    dossier = soffice(chemin, FILTRE_CSV)

    for feuille in FEUILLES:
        fichier = dossier / f"plan-{feuille.nom}.csv"
        assert fichier.exists(), f"LibreOffice n'a pas lu la feuille {feuille.nom}"
        lignes = list(csv.reader(io.StringIO(fichier.read_text("utf-8")), delimiter=";"))
        assert lignes[0] == feuille.entetes
        attendues = list(exporte[feuille.nom].iter_rows(min_row=2, values_only=True))
        assert len(lignes) - 1 == len(attendues) > 0
        # The key column, as written (codes stay text: "2.10" does not become 2.1).
        if feuille.cle[0] in ("Code", "Nom", "Action"):
            rang = feuille.entetes.index(feuille.cle[0])
            assert [ligne[rang] for ligne in lignes[1:]] == [str(a[rang]) for a in attendues]


def test_the_workbook_saved_by_libreoffice_keeps_its_lists_and_imports_unchanged(soffice, classeur):
    projet, chemin = classeur
    exporte = load_workbook(chemin)

    enregistre = soffice(chemin, "xlsx:Calc MS Excel 2007 XML") / "plan.xlsx"

    relu = load_workbook(enregistre)
    for feuille in FEUILLES:
        listes = [
            (min(r.min_col for r in v.sqref.ranges), v.formula1)
            for v in exporte[feuille.nom].data_validations.dataValidation
            if v.type == "list"
        ]
        gardees = [
            (min(r.min_col for r in v.sqref.ranges), v.formula1.replace("'", ""))
            for v in relu[feuille.nom].data_validations.dataValidation
            if v.type == "list"
        ]
        assert gardees == [(col, formule.replace("'", "")) for col, formule in listes], feuille.nom
    rapport = importer_classeur(enregistre.read_bytes(), projet, None, dry_run=True)
    assert not rapport.refuse, rapport.texte()
    assert all(creees == modifiees == 0 for creees, modifiees, _ in _bilans(rapport).values())
