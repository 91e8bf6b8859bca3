"""The fiche's edit form in a browser (issue 11): the save bar in view wherever the agent is
in the form, on a desktop and on a phone; the error path by keyboard only; « Ajouter »."""

import pytest
from playwright.sync_api import expect

from actions.models import Action

pytestmark = pytest.mark.django_db(transaction=True)


def _box_marianne() -> Action:
    return Action.objects.get(intitule="Box Marianne")


@pytest.mark.parametrize("largeur", [1366, 390])
def test_save_button_stays_in_view_while_the_form_scrolls(demo, connecter, largeur):
    page = connecter("agent")
    page.set_viewport_size({"width": largeur, "height": 768 if largeur > 1000 else 844})
    page.goto(f"/actions/{_box_marianne().pk}/modifier/")
    bouton = page.get_by_role("button", name="Enregistrer la fiche")
    hauteur = page.evaluate("document.documentElement.scrollHeight - window.innerHeight")
    assert hauteur > 1000  # a long form: the test means something
    for position in (0, 0.5, 1):
        page.evaluate(f"window.scrollTo(0, {int(hauteur * position)})")
        expect(bouton).to_be_in_viewport(ratio=1)
        # Nothing covers it: it is the element found at its centre.
        assert page.evaluate(
            """(bouton) => { const r = bouton.getBoundingClientRect();
                return document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2)
                    === bouton; }""",
            bouton.element_handle(),
        ), position


def test_error_path_by_keyboard_only(demo, connecter):
    page = connecter("agent")
    action = _box_marianne()
    page.goto(f"/actions/{action.pk}/modifier/")
    page.locator("#id_date_debut").fill("2031-01-01")
    page.locator("#id_echeance").fill("2030-12-31")  # before the start
    page.locator("#id_echeance").focus()

    page.keyboard.press("Control+s")  # the save bar's shortcut

    resume = page.locator("#resume-erreurs")
    expect(resume).to_be_focused()
    expect(resume).to_contain_text("La fiche n'a pas été enregistrée : 1 erreur à corriger")
    page.keyboard.press("Tab")
    lien = resume.get_by_role("link", name="Échéance : La date de début")
    expect(lien).to_be_focused()
    page.keyboard.press("Enter")
    echeance = page.locator("#id_echeance")
    expect(echeance).to_be_focused()
    expect(echeance).to_be_in_viewport()
    expect(echeance).to_have_attribute("aria-invalid", "true")
    expect(echeance).to_have_value("2030-12-31")  # the input is kept
    action.refresh_from_db()
    assert action.echeance.year != 2030


def test_ajouter_adds_a_row_that_saves(demo, connecter):
    page = connecter("agent")
    action = _box_marianne()
    etapes = action.etapes.count()
    page.goto(f"/actions/{action.pk}/modifier/")
    total = page.locator("#id_etapes-TOTAL_FORMS")
    expect(total).to_have_value(str(etapes))  # no empty row

    page.get_by_role("button", name="Ajouter une étape").click()

    expect(total).to_have_value(str(etapes + 1))
    nouvelle = page.locator(f"#id_etapes-{etapes}-libelle")
    expect(nouvelle).to_be_focused()
    nouvelle.fill("Bilan avec les commerçants")
    page.locator(f"#id_etapes-{etapes}-echeance").fill("2026-12-15")
    page.get_by_role("button", name="Enregistrer la fiche").click()

    expect(page.get_by_text("Fiche enregistrée.")).to_be_visible()
    assert action.etapes.filter(libelle="Bilan avec les commerçants").exists()
    assert action.etapes.count() == etapes + 1


def test_motif_appears_when_the_statut_becomes_abandonnee(demo, connecter):
    page = connecter("agent")
    page.goto(f"/actions/{_box_marianne().pk}/modifier/")
    motif = page.get_by_label("Motif de l'abandon")
    expect(motif).to_be_hidden()
    page.get_by_label("Statut").select_option("abandonnee")
    expect(motif).to_be_visible()
    page.get_by_label("Statut").select_option("en_cours")
    expect(motif).to_be_hidden()
