"""The fiche's edit form as an agent types in it (issue 11): no empty row, « Ajouter » without
JavaScript, « Motif de l'abandon » only when it matters, the error summary and the marks of an
invalid field for assistive technologies, the input kept."""

import pytest
from django import forms
from django.test.html import parse_html
from django.urls import reverse
from django.utils import timezone

from actions.enums import StatutAction
from actions.models import Action
from projet_social.templatetags.formulaires import _classe_bootstrap, controle
from tests.actions.factories import (
    ActionPartenaireFactory,
    EtapeFactory,
    IndicateurFactory,
    LigneBudgetFactory,
    PartenaireFactory,
)
from tests.formulaires import donnees_du_formulaire
from tests.pages import lire_page, par_id, texte

pytestmark = pytest.mark.django_db

FORMSETS = ("partenaires", "budget", "etapes", "indicateurs")


def modifier(action: Action) -> str:
    return reverse("actions:modifier", args=[action.pk])


def _lignes_rendues(page, prefixe: str) -> list[str]:
    """The names of the row inputs of a table, outside its <template> (the row « Ajouter »
    copies)."""
    noms = []

    def parcourir(element, dans_modele: bool) -> None:
        dans_modele = dans_modele or element.tag == "template"
        nom = element.attrs.get("name", "")
        if not dans_modele and nom.startswith(f"{prefixe}-") and nom.split("-")[1].isdigit():
            noms.append(nom)
        for enfant in element.enfants:
            parcourir(enfant, dans_modele)

    parcourir(page, False)
    return noms


def _motif(page):
    blocs = [e for e in page.tous() if e.attrs.get("data-selon-valeur") == "abandonnee"]
    assert len(blocs) == 1
    return blocs[0]


# --- No empty row -------------------------------------------------------------------------


def test_no_empty_row_by_default_only_the_rows_of_the_fiche(client, agent, action):
    ActionPartenaireFactory(action=action)
    EtapeFactory(action=action)
    EtapeFactory(action=action)
    client.force_login(agent)

    response = client.get(modifier(action))

    formsets = response.context["formsets"]
    attendues = {"partenaires": 1, "budget": 0, "etapes": 2, "indicateurs": 0}
    page = lire_page(response)
    for prefixe, nombre in attendues.items():
        assert formsets[prefixe].total_form_count() == nombre
        assert formsets[prefixe].extra == 0
        indices = {nom.split("-")[1] for nom in _lignes_rendues(page, prefixe)}
        assert indices == {str(i) for i in range(nombre)}, prefixe
        assert par_id(page, f"id_{prefixe}-TOTAL_FORMS").attrs["value"] == str(nombre)
        # One « Ajouter » button per table, and the template row it copies.
        bouton = par_id(page, f"formset-{prefixe}")
        boutons = [e for e in bouton.tous() if e.attrs.get("data-ajouter-ligne") == prefixe]
        assert len(boutons) == 1 and texte(boutons[0]).startswith("Ajouter")
        assert par_id(page, f"modele-{prefixe}").tag == "template"
    # A table without a row says so.
    assert "Aucun indicateur pour l'instant." in texte(par_id(page, "formset-indicateurs"))


def test_a_new_fiche_has_no_row(client, agent, objectif):
    client.force_login(agent)
    response = client.get(reverse("actions:creer") + f"?objectif={objectif.pk}")
    page = lire_page(response)
    for prefixe in FORMSETS:
        assert _lignes_rendues(page, prefixe) == []


def test_ajouter_without_javascript_adds_a_row_and_saves_nothing(client, agent, action):
    IndicateurFactory(action=action, libelle="Visites réalisées")
    client.force_login(agent)
    data = donnees_du_formulaire(client.get(modifier(action)))
    data["intitule"] = "Intitulé en cours de saisie"
    data["ajouter_ligne"] = "indicateurs"

    response = client.post(modifier(action), data)

    assert response.status_code == 200
    formset = response.context["formsets"]["indicateurs"]
    assert formset.total_form_count() == 2
    page = lire_page(response)
    assert par_id(page, "id_indicateurs-TOTAL_FORMS").attrs["value"] == "2"
    # The new row is focused; what was typed is kept; nothing is saved, no error shown.
    assert "autofocus" in par_id(page, "id_indicateurs-1-libelle").attrs
    assert par_id(page, "id_intitule").attrs["value"] == "Intitulé en cours de saisie"
    assert par_id(page, "id_indicateurs-0-libelle").attrs["value"] == "Visites réalisées"
    assert not [e for e in page.tous() if "data-resume-erreurs" in e.attrs]
    action.refresh_from_db()
    assert action.intitule == "Visites de convivialité"
    assert action.indicateurs.count() == 1


def test_a_budget_row_added_without_javascript_starts_with_this_year(client, agent, action):
    client.force_login(agent)
    data = donnees_du_formulaire(client.get(modifier(action)))
    data["ajouter_ligne"] = "budget"

    page = lire_page(client.post(modifier(action), data))

    # As the template row « Ajouter » copies with JavaScript.
    annee = str(timezone.localdate().year)
    assert par_id(page, "id_budget-0-annee").attrs["value"] == annee
    assert par_id(page, "id_budget-__prefix__-annee").attrs["value"] == annee


# --- « Motif de l'abandon » only when it matters ------------------------------------------


@pytest.mark.parametrize(
    ("statut", "motif", "cache"),
    [
        (StatutAction.EN_COURS, "", True),
        (StatutAction.ABANDONNEE, "Besoin couvert par le CDAS.", False),
        # A motif left from an earlier abandon is not hidden from the agent.
        (StatutAction.EN_COURS, "Ancien motif", False),
    ],
)
def test_motif_is_shown_only_for_an_abandoned_fiche(client, agent, action, statut, motif, cache):
    Action.objects.filter(pk=action.pk).update(statut=statut, motif_abandon=motif)
    client.force_login(agent)

    bloc = _motif(lire_page(client.get(modifier(action))))

    assert ("hidden" in bloc.attrs) is cache
    # static/js/formulaire.js shows it when the statut select says « Abandonnée ».
    assert bloc.attrs["data-selon-champ"] == "id_statut"
    assert [e for e in bloc.tous() if e.attrs.get("id") == "id_motif_abandon"]


def test_motif_with_an_error_is_shown_and_the_server_still_requires_it(client, agent, action):
    client.force_login(agent)
    data = donnees_du_formulaire(client.get(modifier(action)))
    data.update(statut=StatutAction.ABANDONNEE, motif_abandon="  ")

    response = client.post(modifier(action), data)

    assert response.status_code == 200
    page = lire_page(response)
    assert "hidden" not in _motif(page).attrs
    assert "Indiquez le motif de l'abandon." in texte(par_id(page, "id_motif_abandon_error"))
    action.refresh_from_db()
    assert action.statut == StatutAction.A_LANCER


# --- Error summary, marks of the invalid fields, input kept --------------------------------


def test_error_summary_links_to_each_invalid_field_marked_for_assistive_technologies(
    client, agent, action
):
    LigneBudgetFactory(action=action, annee=2025)
    client.force_login(agent)
    data = donnees_du_formulaire(client.get(modifier(action)))
    data.update(
        {
            "intitule": "Visites de convivialité à domicile",
            "date_debut": "2031-01-01",
            "echeance": "2030-12-31",  # before the start
            "budget-0-montant_prevu": "-10",
            "moyens_humains": "Deux bénévoles",
        }
    )

    response = client.post(modifier(action), data)

    assert response.status_code == 200
    page = lire_page(response)
    resume = par_id(page, "resume-erreurs")
    assert resume.attrs["role"] == "alert"
    assert resume.attrs["tabindex"] == "-1"  # focusable: static/js/formulaire.js focuses it
    assert "data-resume-erreurs" in resume.attrs
    assert texte(resume).startswith("La fiche n'a pas été enregistrée : 2 erreurs à corriger")
    liens = {e.attrs["href"]: texte(e) for e in resume.tous() if e.tag == "a"}
    assert liens == {
        "#id_echeance": "Échéance : La date de début doit précéder ou égaler l'échéance.",
        "#id_budget-0-montant_prevu": (
            "Ligne de budget 1 : Montant prévu (€) : Le montant prévu ne peut pas être négatif."
        ),
    }
    for ancre, message in (
        ("id_echeance", "La date de début doit précéder ou égaler l'échéance."),
        ("id_budget-0-montant_prevu", "Le montant prévu ne peut pas être négatif."),
    ):
        champ = par_id(page, ancre)
        assert champ.attrs["aria-invalid"] == "true"
        assert f"{ancre}_error" in champ.attrs["aria-describedby"].split()
        assert message in texte(par_id(page, f"{ancre}_error"))
    # A valid field is not marked.
    assert "aria-invalid" not in par_id(page, "id_date_debut").attrs
    # What the agent typed is still there.
    assert par_id(page, "id_intitule").attrs["value"] == "Visites de convivialité à domicile"
    assert par_id(page, "id_date_debut").attrs["value"] == "2031-01-01"
    assert par_id(page, "id_echeance").attrs["value"] == "2030-12-31"
    assert par_id(page, "id_budget-0-montant_prevu").attrs["value"] == "-10"
    assert texte(par_id(page, "id_moyens_humains")) == "Deux bénévoles"
    # The optimistic-locking version still names the version opened.
    assert par_id(page, "id_version").attrs["value"] == str(action.version)
    action.refresh_from_db()
    assert action.intitule == "Visites de convivialité"


def test_no_error_summary_on_an_untouched_form(client, agent, action):
    client.force_login(agent)
    page = lire_page(client.get(modifier(action)))
    assert not [e for e in page.tous() if e.attrs.get("id") == "resume-erreurs"]
    assert not [e for e in page.tous() if "aria-invalid" in e.attrs]


# --- The page's frame ---------------------------------------------------------------------


def test_sections_menu_and_save_bar(client, agent, action):
    client.force_login(agent)
    page = lire_page(client.get(modifier(action)))
    menu = [e for e in page.tous() if e.attrs.get("aria-label") == "Sections de la fiche"]
    assert len(menu) == 1
    ancres = [e.attrs["href"] for e in menu[0].tous() if e.tag == "a"]
    assert len(ancres) == 7
    for ancre in ancres:
        assert par_id(page, ancre.removeprefix("#")).tag == "fieldset"
    barres = [e for e in page.tous() if "barre-enregistrer" in e.attrs.get("class", "")]
    assert len(barres) == 1
    boutons = [texte(e) for e in barres[0].tous() if e.tag in ("button", "a")]
    assert boutons == ["Enregistrer la fiche", "Annuler"]


def test_plain_widgets_render_as_django_renders_them():
    """The form writes its plain widgets without Django's templates (speed): same markup,
    errors, escaping and aria attributes included."""

    class Essai(forms.Form):
        choix = forms.ChoiceField(choices=[("a", "A & a"), ("b", "B")], initial="b")
        texte = forms.CharField(help_text="Aide", initial='Dit "oui"')
        zone = forms.CharField(widget=forms.Textarea, initial="<b>gras</b>")
        case = forms.BooleanField(initial=True)
        date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
        nombre = forms.IntegerField(min_value=0, required=False)

    for form in (Essai(), Essai({"choix": "z", "nombre": "-1"})):
        for champ in form:
            classes = [_classe_bootstrap(champ.field.widget)]
            if champ.errors:
                classes.append("is-invalid")
            attendu = champ.as_widget(attrs={"class": " ".join(classes)})
            assert parse_html(controle(champ)) == parse_html(attendu), champ.name


def test_a_partner_row_has_wide_enough_columns_for_its_selects(client, agent, action):
    PartenaireFactory(nom="Association d'aide alimentaire locale")
    ActionPartenaireFactory(action=action)
    client.force_login(agent)
    page = lire_page(client.get(modifier(action)))
    cellules = {
        e.attrs["class"].split()[0]
        for e in par_id(page, "formset-partenaires").tous()
        if e.tag == "td"
    }
    # Each column has its class, which static/css/app.css gives a minimum width.
    assert {"cellule-partenaire", "cellule-role", "cellule-DELETE"} <= cellules


def test_the_fiche_does_not_show_its_version_number(client, agent, action):
    """The version is the optimistic lock's counter, not something a user reads."""
    Action.objects.filter(pk=action.pk).update(version=7)
    client.force_login(agent)
    page = client.get(reverse("actions:detail", args=[action.pk])).content.decode()
    assert "Dernière modification" in page
    assert "version 7" not in page and "(version" not in page
