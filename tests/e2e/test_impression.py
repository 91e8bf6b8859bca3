"""Printing from the browser (static/css/print.css), on the Gouesnou demo: the pages whose tables
were cut at the right edge (the fiche's budget and indicators, the review's actions) lay out
within the width of an A4 page, without the navigation; the PDF comes out on A4 sheets."""

import io

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from actions.models import Action
from evaluations.models import Campagne

pytestmark = pytest.mark.django_db(transaction=True)


def _largeur(cote_mm: int) -> int:
    """The width Chrome lays a printed page out at, in CSS pixels (96 per inch): the sheet's
    side less print.css's side margins (2 x 10 mm)."""
    return round((cote_mm - 2 * 10) / 25.4 * 96)


PORTRAIT, PAYSAGE = _largeur(210), _largeur(297)


def _imprimer(page, chemin: str, largeur: int) -> None:
    """The page as printed: print media, at the printed width."""
    page.set_viewport_size({"width": largeur, "height": 1100})
    page.emulate_media(media="print")
    response = page.goto(chemin)
    assert response.status == 200, chemin


def _bord_droit(locator) -> float:
    boite = locator.bounding_box()
    assert boite, "élément non affiché à l'impression"
    return boite["x"] + boite["width"]


def _chemins() -> dict[str, tuple[str, int, list[str]]]:
    """Page -> (path, printed width, the tables whose last column must be printed)."""
    action = Action.objects.get(intitule="Box Marianne")
    ouvert = Campagne.objects.get(annee=2025)
    clos = Campagne.objects.get(annee=2024)
    fiche = ["#moyens table.budget", "#indicateurs table"]
    bilan = ["#actions table", "#avancement table"]
    return {
        "tableau de bord": (
            f"/?comparer={clos.pk}",
            PORTRAIT,
            ["table.changements-statut"],
        ),
        "fiche": (f"/actions/{action.pk}/", PORTRAIT, fiche),
        "bilan ouvert": (f"/bilans/{ouvert.pk}/", PORTRAIT, bilan),
        "bilan clos": (f"/bilans/{clos.pk}/", PORTRAIT, bilan),
        "plan": ("/plan/", PORTRAIT, []),
        "liste": ("/actions/", PORTRAIT, ["table.liste-actions"]),
        # Too wide for portrait: print.css turns this page to landscape.
        "concertation": ("/concertation/", PAYSAGE, ["table.table-concertation"]),
    }


@pytest.mark.parametrize(
    "nom",
    ["tableau de bord", "fiche", "bilan ouvert", "bilan clos", "plan", "liste", "concertation"],
)
def test_printed_page_keeps_every_column_within_the_sheet(demo, connecter, nom):
    page = connecter("agent")
    chemin, largeur, tables = _chemins()[nom]
    _imprimer(page, chemin, largeur)
    expect(page.locator("header.app-header")).to_be_hidden()
    assert page.locator("nav:visible, .btn:visible, form:visible").count() == 0
    # The content takes the sheet's width (not Bootstrap's 540 px container) and nothing
    # reaches past it.
    main = page.locator("main").bounding_box()
    assert main["width"] >= largeur - 2
    assert page.evaluate("document.documentElement.scrollWidth") <= largeur
    for selecteur in tables:
        table = page.locator(selecteur).first
        derniere = table.locator("thead tr").first.locator("th:visible").last
        assert _bord_droit(derniere) <= largeur, (selecteur, derniere.inner_text())


def test_the_pdf_is_on_a4_portrait_and_the_wide_concertation_table_on_landscape(demo, connecter):
    page = connecter("agent")
    action = Action.objects.get(intitule="Box Marianne")
    for chemin, largeur, hauteur in (
        (f"/actions/{action.pk}/", 595, 842),
        ("/concertation/", 842, 595),
    ):
        page.goto(chemin)
        # As the browser's print dialog does: the page's own @page size and margins.
        pdf = PdfReader(io.BytesIO(page.pdf(prefer_css_page_size=True, print_background=True)))
        for feuille in pdf.pages:
            boite = feuille.mediabox
            assert (round(float(boite.width)), round(float(boite.height))) == (largeur, hauteur)
        texte = " ".join(feuille.extract_text() for feuille in pdf.pages)
        assert "Aller au contenu" not in texte  # the skip link
        assert "Mes actions" not in texte  # the menu
