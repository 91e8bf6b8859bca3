"""The dashboard in a real browser: no script error, its drill-down and choice of review work
by mouse, and its charts keep their data one click away."""

import re

import pytest
from playwright.sync_api import expect

from actions.models import Action

pytestmark = pytest.mark.django_db(transaction=True)


def test_elu_reads_the_dashboard_and_drills_down(demo, connecter):
    page = connecter("elu")
    erreurs = []
    page.on("console", lambda m: erreurs.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: erreurs.append(str(e)))
    page.goto("/")
    expect(page.get_by_role("heading", name="Tableau de bord")).to_be_visible()
    expect(page.locator("h2#chiffres-cles")).to_contain_text("Bilan 2025")

    # "Voir les données" opens the chart's table.
    figure = page.locator("figure.graphique").first
    figure.get_by_text("Voir les données").click()
    expect(figure.locator("table")).to_be_visible()

    # The late actions' card leads to exactly the late actions.
    carte = page.locator(".stat-card a", has_text="en retard")
    nombre = int(carte.locator(".stat-value").inner_text())
    assert nombre == Action.objects.en_retard().count() > 0
    carte.click()
    expect(page.locator("#titre-resultats")).to_contain_text(f"{nombre} actions")
    assert page.locator("table.liste-actions tbody tr").count() == nombre

    # Another review, chosen with the form: its snapshot, and the comparison.
    page.goto("/")
    page.get_by_label("Bilan", exact=True).select_option(label="Bilan 2024")
    page.get_by_label("Comparer avec").select_option(label="Bilan 2025")
    page.get_by_role("button", name="Afficher").click()
    expect(page.locator("h2#chiffres-cles")).to_contain_text("clos")
    expect(
        page.get_by_role("heading", name="Comparaison : Bilan 2024 et Bilan 2025")
    ).to_be_visible()

    # A segment of a chart is a link too (SVG), to the actions it counts.
    segment = page.locator("#titre-statuts ~ figure svg a").first
    libelle = segment.locator("title").text_content()
    compte = int(re.search(r": (\d+)", libelle).group(1))
    segment.click()
    expect(page.locator("#titre-resultats")).to_contain_text(str(compte))
    assert erreurs == []
