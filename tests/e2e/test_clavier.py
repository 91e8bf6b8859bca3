"""Keyboard alone, as a person who uses no mouse: the review's « suivante » flow and the
dashboard's drill-down (the edit form's error path is in test_formulaires.py). Each control
is reached by Tab presses only, then used with Enter or typed into."""

import re

import pytest
from playwright.sync_api import expect

from evaluations.models import Campagne, Evaluation

pytestmark = pytest.mark.django_db(transaction=True)


def tabuler_jusqu_a(page, condition: str, maximum: int = 400) -> int:
    """Press Tab until ``condition`` (a JS function of the focused element) holds; the
    number of presses. Fails if the control is never reached."""
    for appuis in range(1, maximum + 1):
        page.keyboard.press("Tab")
        if page.evaluate(f"(({condition}))(document.activeElement)"):
            return appuis
    raise AssertionError(f"jamais atteint au clavier : {condition}")


def test_an_agent_evaluates_two_actions_in_a_row_with_the_keyboard(demo, connecter):
    page = connecter("agent")
    ouvert = Campagne.objects.get(annee=2025)
    avant = Evaluation.objects.filter(campagne=ouvert).count()
    page.goto(f"/bilans/{ouvert.pk}/")
    # The first « Évaluer » button of an action still to evaluate.
    tabuler_jusqu_a(page, "el => el.matches('a.btn-primary') && el.textContent.includes('Évaluer')")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    premiere = page.url

    for _ in range(2):
        tabuler_jusqu_a(page, "el => el.id === 'id_taux_realisation'")
        page.keyboard.type("40")
        tabuler_jusqu_a(page, "el => el.id === 'id_appreciation'")
        page.keyboard.press("ArrowDown")  # the first appreciation
        tabuler_jusqu_a(page, "el => el.name === 'apres' && el.value === 'suivante'")
        page.keyboard.press("Enter")
        expect(page.locator(".alert-success")).to_contain_text("enregistrée")
        expect(page.locator(".alert-success")).to_contain_text(re.compile(r"reste \d+ action"))

    assert page.url != premiere  # the next action to evaluate, not the same one
    # Two actions that had no evaluation now have one (a réalisée fiche's rate is 100 %).
    assert Evaluation.objects.filter(campagne=ouvert).count() == avant + 2


def test_an_elu_drills_down_from_the_dashboard_with_the_keyboard(demo, connecter):
    page = connecter("elu")
    # A figure: the actions late today.
    tabuler_jusqu_a(page, "el => el.tagName === 'A' && el.textContent.includes('en retard')")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/actions/\?.*en_retard"))
    expect(page.get_by_role("heading", level=2).first).to_contain_text("action")

    # A bar of a chart: its SVG link is reached by Tab too.
    page.goto("/")
    tabuler_jusqu_a(page, "el => el.closest && !!el.closest('svg.graphique-svg')")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/actions/\?"))
