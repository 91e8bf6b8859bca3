"""The agent's day on a fiche, in a real browser, on the Gouesnou demo (issue #3's check)."""

import re

import pytest
from playwright.sync_api import expect

from actions.models import Action

pytestmark = pytest.mark.django_db(transaction=True)


def _box_marianne() -> Action:
    return Action.objects.get(intitule="Box Marianne")


def test_agent_finds_box_marianne_adds_indicator_and_partner(demo, connecter):
    page = connecter("agent")
    page.get_by_role("link", name="Actions", exact=True).click()
    page.get_by_label("Rechercher").fill("marianne")
    page.get_by_role("button", name="Filtrer").click()
    page.get_by_role("link", name="Box Marianne").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Box Marianne")

    page.get_by_role("link", name="Modifier la fiche").click()
    total = page.locator("#id_indicateurs-TOTAL_FORMS")
    index = int(total.input_value())
    page.locator("[data-ajouter-ligne=indicateurs]").click()
    expect(total).to_have_value(str(index + 1))
    page.locator(f"[name=indicateurs-{index}-libelle]").fill("Partenaires mobilisés")
    page.locator(f"[name=indicateurs-{index}-valeur_cible]").fill("6")
    page.get_by_role("button", name="Ajouter un partenaire").click()
    page.locator("[name$=nouveau_partenaire]").last.fill("Épicerie fine de la place")
    page.get_by_role("button", name="Enregistrer la fiche").click()

    expect(page.get_by_text("Fiche enregistrée.")).to_be_visible()
    expect(page.locator("#historique")).to_contain_text("Modification")
    page.get_by_role("link", name="Tout l'historique").click()
    historique = page.locator("main")
    expect(historique).to_contain_text("Partenaires mobilisés")
    expect(historique).to_contain_text("Épicerie fine de la place")
    action = _box_marianne()
    assert action.indicateurs.filter(libelle="Partenaires mobilisés").exists()
    assert action.partenaires.filter(nom="Épicerie fine de la place").exists()


def test_elu_has_no_edit_button_and_edit_url_is_forbidden(demo, connecter):
    page = connecter("elu")
    action = _box_marianne()
    page.goto(f"/actions/{action.pk}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Box Marianne")
    expect(page.get_by_role("link", name="Modifier la fiche")).to_have_count(0)
    response = page.goto(f"/actions/{action.pk}/modifier/")
    assert response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("Accès refusé")


def test_two_tabs_conflict_keeps_the_second_input(demo, connecter):
    action = _box_marianne()
    premier = connecter("agent")
    second = connecter("admin")
    for page in (premier, second):
        page.goto(f"/actions/{action.pk}/modifier/")

    premier.get_by_label("Intitulé").fill("Box Marianne – édition 2026")
    premier.get_by_role("button", name="Enregistrer la fiche").click()
    expect(premier.get_by_text("Fiche enregistrée.")).to_be_visible()

    second.get_by_label("Moyens humains").fill("Deux agents et quatre bénévoles")
    second.get_by_role("button", name="Enregistrer la fiche").click()
    expect(second.get_by_text(re.compile("a été enregistrée par Agent CCAS"))).to_be_visible()
    expect(second.get_by_label("Moyens humains")).to_have_value("Deux agents et quatre bénévoles")

    action.refresh_from_db()
    assert action.intitule == "Box Marianne – édition 2026"
    assert action.moyens_humains != "Deux agents et quatre bénévoles"

    # Having seen the other agent's change, the second saves knowingly.
    second.get_by_role("button", name="Enregistrer la fiche").click()
    expect(second.get_by_text("Fiche enregistrée.")).to_be_visible()
    action.refresh_from_db()
    assert action.moyens_humains == "Deux agents et quatre bénévoles"
