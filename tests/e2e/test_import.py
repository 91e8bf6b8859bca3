"""The agent's whole import in a real browser, on the Gouesnou demo: download the plan's
workbook from the plan page, change a cell, upload it, read the preview, confirm; and a bad
file's errors. The pages pass the accessibility audit."""

import io

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from actions.enums import StatutAction
from actions.models import Action
from projet_social.models import ImportClasseur
from tests.e2e.test_accessibilite import _violations

pytestmark = pytest.mark.django_db(transaction=True)


def _menu(page):
    return page.get_by_role("navigation", name="Navigation principale")


def _telecharger_le_classeur(page) -> bytes:
    _menu(page).get_by_role("link", name="Le plan").click()
    with page.expect_download() as telechargement:
        page.get_by_role("link", name="Classeur du plan (XLSX)").click()
    with open(telechargement.value.path(), "rb") as fichier:
        return fichier.read()


def _changer(contenu: bytes, code: str, entete: str, valeur) -> bytes:
    classeur = load_workbook(io.BytesIO(contenu))
    feuille = classeur["Actions"]
    colonne = [c.value for c in feuille[1]].index(entete) + 1
    for (cellule,) in feuille.iter_rows(min_row=2, max_col=1):
        if cellule.value == code:
            feuille.cell(row=cellule.row, column=colonne).value = valeur
    sortie = io.BytesIO()
    classeur.save(sortie)
    return sortie.getvalue()


def _deposer(page, nom: str, contenu: bytes) -> None:
    _menu(page).get_by_role("link", name="Le plan").click()
    page.get_by_role("link", name="Importer un classeur").click()
    page.get_by_label("Fichier à importer").set_input_files(
        files=[{"name": nom, "mimeType": "application/octet-stream", "buffer": contenu}]
    )
    page.get_by_role("button", name="Prévisualiser l'import").click()


def test_an_agent_imports_an_edited_workbook_upload_preview_confirm(demo, connecter):
    page = connecter("agent")
    action = Action.objects.get(intitule="Box Marianne")
    code = action.code
    assert action.statut != StatutAction.ABANDONNEE
    contenu = _changer(_telecharger_le_classeur(page), code, "Priorité", "Haute")

    _deposer(page, "plan-gouesnou.xlsx", contenu)

    expect(page.get_by_role("heading", level=1)).to_contain_text("Prévisualisation de l'import")
    expect(page.get_by_text("Rien n'a encore été enregistré.")).to_be_visible()
    modifiees = page.locator("table.lignes-modifiees tbody tr")
    expect(modifiees).to_have_count(1)
    expect(modifiees).to_contain_text(code)
    expect(modifiees).to_contain_text("Priorité")
    action.refresh_from_db()
    assert action.priorite != "haute"  # nothing written before the confirmation
    assert _violations(page, page.url) == []

    page.get_by_role("button", name="Confirmer l'import").last.click()

    expect(page.get_by_role("alert").or_(page.get_by_role("status")).first).to_be_visible()
    expect(page.locator("main")).to_contain_text("0 ligne créée, 1 ligne modifiée")
    action.refresh_from_db()
    assert action.priorite == "haute"
    record = ImportClasseur.objects.get()
    assert record.statut == ImportClasseur.Statut.ENREGISTRE

    page.get_by_role("link", name="Tous les imports").first.click()
    expect(page.locator("table.tableau-imports")).to_contain_text("plan-gouesnou.xlsx")
    page.goto(f"/actions/{action.pk}/historique/")
    expect(page.locator("main")).to_contain_text(f"Import du classeur n° {record.pk}")


def test_a_bad_workbook_shows_its_errors_in_the_browser_and_writes_nothing(demo, connecter):
    page = connecter("agent")
    action = Action.objects.get(intitule="Box Marianne")
    contenu = _changer(_telecharger_le_classeur(page), action.code, "Échéance", "3 mars")

    _deposer(page, "plan.xlsx", contenu)

    expect(page.get_by_role("alert").filter(has_text="Import refusé : 1 erreur")).to_be_visible()
    erreurs = page.locator("table.erreurs-import tbody tr")
    expect(erreurs).to_have_count(1)
    expect(erreurs).to_contain_text("Échéance")
    expect(erreurs).to_contain_text("« 3 mars »")
    expect(page.get_by_role("button", name="Confirmer l'import")).to_have_count(0)
    assert _violations(page, page.url) == []

    _deposer(page, "notes.xlsx", b"ceci n'est pas un classeur")
    expect(page.locator("ul.erreurs-fichier")).to_contain_text(
        "n'est pas un classeur Excel (.xlsx), et, lu comme un fichier CSV"
    )
    assert Action.objects.get(pk=action.pk).version == action.version
    assert _violations(page, "/plan/import/") == []
    assert _violations(page, "/plan/imports/") == []
