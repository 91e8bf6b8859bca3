"""The agents' daily screens in a real browser (issue 11): the list of actions read on a laptop
and on a phone, the search as agents type it, no page wider than a phone, a visible focus."""

import re

import pytest
from playwright.sync_api import expect

from actions.models import Action, Partenaire
from evaluations.models import Campagne, Reunion

pytestmark = pytest.mark.django_db(transaction=True)

PORTABLE = {"width": 1366, "height": 768}
TELEPHONE = {"width": 390, "height": 844}


def _codes_affiches(page) -> list[str]:
    return page.locator("table.liste-actions tbody tr td:first-child").all_inner_texts()


def test_the_list_fits_a_laptop_one_short_row_per_action(demo, connecter):
    page = connecter("agent")
    page.set_viewport_size(PORTABLE)
    page.goto("/actions/")
    attendues = [action.code for action in Action.objects.select_related("objectif__axe")]
    assert _codes_affiches(page) == attendues  # every demo action on one page
    mesures = page.evaluate(
        """() => {
        const table = document.querySelector("table.liste-actions");
        const lignes = [...table.tBodies[0].rows];
        const objectifs = [...table.querySelectorAll(".objectif-court")];
        return {
          large: table.scrollWidth, boite: table.parentElement.clientWidth,
          colonnes: [...table.tHead.rows[0].cells].map(c => c.innerText.trim()),
          hauteurs: lignes.map(l => l.getBoundingClientRect().height),
          objectifs: objectifs.map(o => [o.getBoundingClientRect().height,
            parseFloat(getComputedStyle(o).lineHeight)]),
        };
    }"""
    )
    # Every column in sight: the table is no wider than its box (nothing to scroll).
    assert mesures["large"] <= mesures["boite"], mesures
    assert [c.removesuffix("▲").strip() for c in mesures["colonnes"]] == [
        "N°",
        "Intitulé",
        "Objectif",
        "Statut",
        "Pilote",
        "Échéance",
        "Avancement",
    ]
    # The objective stays on one line (cut, in full on hover), and no row grows past two
    # short lines (a title and its lateness, a taux and "repris du Bilan 2024").
    for hauteur, interligne in mesures["objectifs"]:
        assert hauteur <= interligne * 1.2
    assert max(mesures["hauteurs"]) <= 80, mesures["hauteurs"]


def test_the_keyboard_reaches_the_first_action_quickly(demo, connecter):
    page = connecter("agent")
    page.set_viewport_size(PORTABLE)
    page.goto("/actions/")
    page.keyboard.press("Tab")  # « Aller au contenu »
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")  # the breadcrumb
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Aller directement aux actions"
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    premiere = Action.objects.first()
    assert page.evaluate("document.activeElement.textContent") == premiere.intitule


def test_the_list_on_a_phone_shows_actions_first(demo, connecter):
    page = connecter("agent")
    page.set_viewport_size(TELEPHONE)
    page.goto("/actions/")
    assert page.evaluate("document.documentElement.scrollWidth") <= TELEPHONE["width"]
    # The filters are folded: the first actions are on the first screen.
    panneau = page.locator("details.filtres-details")
    expect(panneau).not_to_have_attribute("open", "")
    premiere = page.get_by_role("link", name=Action.objects.first().intitule)
    boite = premiere.bounding_box()
    assert boite is not None and boite["y"] + boite["height"] <= TELEPHONE["height"]
    # Unfolded, they apply as soon as one changes (no « Filtrer » to reach).
    page.locator("summary.filtres-titre").click()
    page.get_by_label("En cours").check()
    page.wait_for_url(re.compile(r"statut=en_cours"))
    en_cours = Action.objects.filter(statut="en_cours")
    expect(page.locator("#titre-resultats")).to_have_text(f"{en_cours.count()} actions")
    expect(page.get_by_role("link", name="Statut : En cours : retirer ce filtre")).to_be_visible()
    # The control keeps the focus after the page reloads.
    assert page.evaluate("document.activeElement.value") == "en_cours"


def _rechercher(page, texte: str) -> None:
    page.goto("/actions/")
    page.get_by_label("Rechercher").fill(texte)
    page.get_by_label("Rechercher").press("Enter")
    page.wait_for_load_state()


def test_search_as_agents_type_it(demo, connecter):
    page = connecter("agent")
    page.set_viewport_size(PORTABLE)
    box = Action.objects.get(intitule="Box Marianne")

    # A fiche's number opens it.
    _rechercher(page, box.code)
    expect(page).to_have_url(re.compile(rf"/actions/{box.pk}/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Box Marianne")

    # "senior" finds the actions of the objectives about older people (their pilote and
    # service say "seniors" though their titles do not), and says why.
    ages = Action.objects.filter(objectif__intitule__iregex=r"(âgées|aînés)")
    assert ages.count() >= 2
    _rechercher(page, "senior")
    trouvees = _codes_affiches(page)
    assert {action.code for action in ages} <= set(trouvees)
    expect(page.get_by_text("trouvée par : pilote « Coordination seniors »").first).to_be_visible()

    # An objective's number lists its actions.
    _rechercher(page, box.objectif.code)
    assert _codes_affiches(page) == [a.code for a in box.objectif.actions.all()]

    # A partner's name finds the actions it takes part in.
    partenaire = Partenaire.objects.filter(participations__action=box).first()
    _rechercher(page, partenaire.nom.lower())
    attendues = {p.action.code for p in partenaire.participations.select_related("action")}
    assert attendues <= set(_codes_affiches(page))
    expect(page.get_by_role("link", name=f"Recherche « {partenaire.nom.lower()} »")).to_be_visible()


def _pages_principales() -> list[str]:
    action = Action.objects.get(intitule="Box Marianne")
    ouvert = Campagne.objects.get(annee=2025)
    clos = Campagne.objects.get(annee=2024)
    reunion = Reunion.objects.order_by("date").first()
    partenaire = action.partenaires.first()
    return [
        "/",
        "/plan/",
        "/actions/",
        "/actions/?q=senior&statut=en_cours&en_retard=on",
        "/actions/mes-actions/",
        f"/actions/{action.pk}/",
        f"/actions/{action.pk}/modifier/",
        f"/actions/{action.pk}/historique/",
        "/bilans/",
        f"/bilans/{ouvert.pk}/",
        f"/bilans/{clos.pk}/",
        f"/bilans/{ouvert.pk}/actions/{action.pk}/",
        "/concertation/",
        f"/reunions/{reunion.pk}/",
        "/actions/partenaires/",
        f"/actions/partenaires/{partenaire.pk}/",
        "/besoins/",
    ]


def test_no_page_is_wider_than_a_phone(demo, connecter):
    page = connecter("agent")
    page.set_viewport_size(TELEPHONE)
    trop_larges = {}
    for chemin in _pages_principales():
        assert page.goto(chemin).status == 200, chemin
        largeur = page.evaluate("document.documentElement.scrollWidth")
        if largeur > TELEPHONE["width"]:
            trop_larges[chemin] = largeur
    assert trop_larges == {}


CONTOUR = """el => { const s = getComputedStyle(el);
  return [s.outlineStyle, parseFloat(s.outlineWidth), s.outlineColor]; }"""


def test_every_focused_control_has_a_strong_outline(demo, connecter):
    page = connecter("agent")
    page.set_viewport_size(PORTABLE)
    box = Action.objects.get(intitule="Box Marianne")
    controles = {
        "/actions/": [
            "nav .nav-link",
            "#id_q",
            "#id_axe",
            "input[name=statut]",
            "button[data-bouton-filtrer]",
            ".plus-filtres > summary",
            "table.liste-actions tbody a",
            ".breadcrumb a",
        ],
        f"/actions/{box.pk}/modifier/": [
            "input[type=checkbox][name$=DELETE]",
            "select",
            "textarea",
        ],
    }
    for chemin, selecteurs in controles.items():
        page.goto(chemin)
        for selecteur in selecteurs:
            element = page.locator(selecteur).first
            # Reached from the keyboard, as :focus-visible means.
            element.evaluate("el => el.closest('details') && (el.closest('details').open = true)")
            page.keyboard.press("Shift+Tab")
            element.focus()
            style, largeur, couleur = element.evaluate(CONTOUR)
            assert (style, largeur >= 2, couleur) == ("solid", True, "rgb(29, 78, 216)"), (
                chemin,
                selecteur,
            )
