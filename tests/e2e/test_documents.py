"""A long document in a real browser, on the Gouesnou demo: the catalogue asked for from the
plan page opens the « en préparation » page; its status region says when the document is
ready (the page's script asks the server), without reloading the page; its button, used
from the keyboard, then downloads it. The page passes the accessibility audit."""

from unittest import mock

import pytest
from playwright.sync_api import expect

from projet_social import pdf
from tests.e2e.test_accessibilite import AXE, REGLES
from tests.test_documents_en_preparation import RenduRetenu

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_catalogue_is_prepared_then_downloaded_from_its_page(demo, connecter, settings):
    settings.PDF_ATTENTE_LONGUE = 0
    rendu = RenduRetenu(b"%PDF-1.7 catalogue de Gouesnou")
    with mock.patch.object(pdf, "rendre_html", rendu):
        page = connecter("elu")
        page.goto("/plan/")
        page.get_by_role("link", name="Catalogue des fiches (PDF)").click()
        expect(page.get_by_role("heading", name="Document en préparation")).to_be_visible()
        etat = page.locator("#etat-du-document")
        expect(etat).to_have_attribute("role", "status")
        expect(etat).to_have_text("Le document n'est pas encore prêt.")
        page.evaluate(AXE)
        violations = page.evaluate(
            "async (regles) => (await axe.run(document, {runOnly: {type: 'tag', values: "
            "regles}})).violations.map(v => v.id)",
            REGLES,
        )
        assert violations == []
        page.wait_for_timeout(2500)  # the script has asked once: not ready, the page stays
        expect(etat).to_have_text("Le document n'est pas encore prêt.")

        rendu.finir()
        expect(etat).to_contain_text("Le document est prêt", timeout=15000)
        expect(page.get_by_role("heading", name="Document en préparation")).to_be_visible()
        page.get_by_role("link", name="Télécharger le document").focus()
        with page.expect_download() as telechargement:
            page.keyboard.press("Enter")
    document = telechargement.value
    assert document.suggested_filename.startswith("catalogue-")
    with open(document.path(), "rb") as fichier:
        assert fichier.read() == b"%PDF-1.7 catalogue de Gouesnou"
    assert rendu.appels == 1
