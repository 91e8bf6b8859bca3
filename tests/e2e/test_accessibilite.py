"""Automated accessibility audit (axe-core, WCAG 2.1 A and AA rules, which RGAA 4 builds on)
of every main screen, for an agent (edit buttons, forms) and for an élu (read-only views).
It catches contrast, labels, headings, landmarks, ARIA and nesting errors; keyboard use and
reading order still need a person."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from actions.models import Action
from evaluations.models import Campagne

pytestmark = pytest.mark.django_db(transaction=True)

AXE = (Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js").read_text()
REGLES = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def _violations(page, chemin: str) -> list[str]:
    response = page.goto(chemin)
    assert response.status == 200, chemin
    page.evaluate(AXE)
    violations = page.evaluate(
        "async (regles) => (await axe.run(document, {runOnly: {type: 'tag', values: regles}}))"
        ".violations.map(v => `${v.id} (${v.nodes.length}) : ${v.help} – `"
        " + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | '))",
        REGLES,
    )
    return [f"{chemin} : {v}" for v in violations]


def _ecrans(vue_agent: bool) -> list[str]:
    action = Action.objects.get(intitule="Box Marianne")
    partenaire = action.partenaires.first()
    ouvert = Campagne.objects.get(annee=2025)
    clos = Campagne.objects.get(annee=2024)
    axe = action.objectif.axe_id
    ecrans = [
        "/",
        f"/?bilan={clos.pk}&comparer={ouvert.pk}",
        f"/?axe={axe}&comparer=",
        f"/actions/?bilan={clos.pk}&statut_bilan=en_cours&partenaires=avec&echeance_trimestre=2026-T4",
        "/plan/",
        "/actions/",
        "/actions/?q=marianne&en_retard=on&tri=-echeance",
        "/actions/?q=senior&statut=en_cours&priorite=haute",
        f"/actions/{action.pk}/",
        f"/actions/{action.pk}/historique/",
        "/besoins/",
        f"/besoins/{action.besoins.first().pk}/",
        "/actions/partenaires/",
        f"/actions/partenaires/{partenaire.pk}/",
        "/bilans/",
        f"/bilans/{ouvert.pk}/",
        f"/bilans/{clos.pk}/",
        f"/bilans/{ouvert.pk}/actions/{action.pk}/",
        "/concertation/",
    ]
    if vue_agent:
        ecrans += [
            f"/actions/{action.pk}/modifier/",
            f"/actions/nouvelle/?objectif={action.objectif_id}",
            f"/actions/{action.pk}/deplacer/",
            f"/actions/{action.pk}/abandonner/",
            f"/plan/axes/{action.objectif.axe_id}/modifier/",
            f"/besoins/{action.besoins.first().pk}/modifier/",
            f"/bilans/{ouvert.pk}/modifier/",
            f"/bilans/{ouvert.pk}/clore/",
            f"/reunions/nouvelle/?type=bilan_annuel&campagne={ouvert.pk}",
        ]
    return ecrans


def test_login_page_has_no_violation(browser, live_server):
    context = browser.new_context(base_url=live_server.url, bypass_csp=True)
    try:
        assert _violations(context.new_page(), "/connexion/") == []
    finally:
        context.close()


@pytest.mark.parametrize("compte", ["agent", "elu"])
def test_screens_have_no_violation(demo, connecter, compte):
    page = connecter(compte)
    violations = []
    for chemin in _ecrans(vue_agent=compte == "agent"):
        violations += _violations(page, chemin)
    assert violations == []


def test_form_errors_stay_accessible(demo, connecter):
    page = connecter("agent")
    action = Action.objects.get(intitule="Box Marianne")
    page.goto(f"/actions/{action.pk}/modifier/")
    # A server-side error (the browser's own checks would stop an empty required field).
    page.get_by_label("Date de début").fill("2031-01-01")
    page.locator("#id_echeance").fill("2030-12-31")
    page.get_by_role("button", name="Enregistrer la fiche").click()
    expect(page.locator("#id_echeance_error")).to_contain_text(
        "La date de début doit précéder ou égaler l'échéance."
    )
    # A row added by « Ajouter » is labelled like the others.
    page.get_by_role("button", name="Ajouter une étape").click()
    assert _audit(page) == []

    # The evaluation form, refused.
    ouvert = Campagne.objects.get(annee=2025)
    page.goto(f"/bilans/{ouvert.pk}/actions/{action.pk}/")
    # Abandoned without a motif: only the server refuses it (the browser's checks pass).
    page.get_by_label("Statut").select_option("abandonnee")
    page.get_by_label("Taux de réalisation (%)").fill("20")
    page.get_by_label("Appréciation").select_option("non_atteint")
    page.get_by_label("Motif de l'abandon").fill("")
    page.get_by_role("button", name="Enregistrer", exact=True).click()
    expect(page.locator("#resume-erreurs")).to_be_focused()
    assert _audit(page) == []


def _audit(page) -> list[str]:
    page.evaluate(AXE)
    return page.evaluate(
        "async (regles) => (await axe.run(document, {runOnly: {type: 'tag', values: regles}}))"
        ".violations.map(v => v.id)",
        REGLES,
    )


def test_the_list_on_a_phone_has_no_violation(demo, connecter):
    """The list's cards and folded filters at 390 px, then with the filters unfolded."""
    page = connecter("agent")
    page.set_viewport_size({"width": 390, "height": 844})
    assert _violations(page, "/actions/?q=senior") == []
    page.locator("summary.filtres-titre").click()
    page.locator(".plus-filtres > summary").click()
    assert _audit(page) == []
