"""The yearly review: list of campaigns, opening (and preparing evaluations), the campaign
page (progress, filters, decisions), editing, closing (freeze, snapshot of the fiches),
reopening, and actions decided at the réunion partenariale."""

import datetime
from unittest import mock

import pytest
from django.contrib.messages import get_messages
from django.db.models import RestrictedError
from django.urls import reverse
from django.utils import timezone

from actions.enums import StatutAction
from actions.models import Action
from axes.enums import StatutProjet
from evaluations.enums import Appreciation, StatutCampagne, TypeReunion
from evaluations.models import ActionDecidee, Campagne, Evaluation
from tests.actions.factories import ActionFactory
from tests.axes.factories import AxeFactory, ObjectifFactory, ProjetSocialFactory
from tests.conflits import SANS_VERSION, changements_du_conflit, quand, texte_lu
from tests.evaluations.factories import CampagneFactory, EvaluationFactory, ReunionFactory
from tests.factories_utilisateurs import AgentFactory, EluFactory, UserFactory
from tests.formulaires import donnees_du_formulaire, lire_formulaire

LISTE = reverse("evaluations:campagnes")
OUVRIR = reverse("evaluations:ouvrir")


@pytest.fixture
def axe1(projet):
    return AxeFactory(projet=projet, numero=1, intitule="Accompagnement", couleur="#1f5f7a")


@pytest.fixture
def axe2(projet):
    return AxeFactory(projet=projet, numero=2, intitule="Lien social", couleur="#7a1f5f")


@pytest.fixture
def objectif1(axe1):
    return ObjectifFactory(axe=axe1, numero=1)


@pytest.fixture
def objectif2(axe2):
    return ObjectifFactory(axe=axe2, numero=1)


@pytest.fixture
def campagne(projet):
    return CampagneFactory(projet=projet, annee=2025)


@pytest.fixture
def autre_projet(db):
    """A plan that is not the current one (closed, older)."""
    return ProjetSocialFactory(statut=StatutProjet.CLOS, annee_debut=2017, annee_fin=2020)


def url(nom: str, campagne: Campagne) -> str:
    return reverse(f"evaluations:{nom}", args=[campagne.pk])


def texte(response) -> str:
    return response.content.decode()


def messages_de(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def codes(lignes) -> list[str]:
    return [ligne.code for ligne in lignes]


def fermer(campagne: Campagne, par=None) -> None:
    """Close the review as the app does: its snapshot written, then frozen."""
    campagne.clore(par)


# --- Roles ---------------------------------------------------------------------------------

MUTATIONS = ["campagne_modifier", "clore", "action_nouvelle"]


def test_anonymous_goes_to_login(client, campagne):
    fermee = CampagneFactory(projet=campagne.projet, annee=2024, close=True)
    urls = [LISTE, OUVRIR, url("campagne", campagne), url("rouvrir", fermee)]
    urls += [url(nom, campagne) for nom in MUTATIONS]
    for adresse in urls:
        for response in (client.get(adresse), client.post(adresse)):
            assert response.status_code == 302
            assert response["Location"].startswith(reverse("login"))


def test_elu_reads_without_any_button(client, elu, objectif1, campagne):
    ActionFactory(objectif=objectif1, numero=1)
    client.force_login(elu)
    liste = client.get(LISTE)
    assert liste.status_code == 200
    assert "Voir le bilan 2025" in texte(liste)
    assert "Ouvrir le bilan" not in texte(liste)
    page = client.get(url("campagne", campagne))
    assert page.status_code == 200
    for bouton in (
        "Modifier le bilan",
        "Clore le bilan",
        "Rouvrir le bilan",
        "Préparer les évaluations manquantes",
        "Ajouter une action décidée en réunion",
        "Enregistrer la réunion partenariale",
        ">Évaluer<",
    ):
        assert bouton not in texte(page), bouton


def test_elu_is_refused_every_change(client, elu, objectif1, campagne):
    ActionFactory(objectif=objectif1, numero=1)
    fermee = CampagneFactory(projet=campagne.projet, annee=2024, close=True)
    client.force_login(elu)
    urls = [OUVRIR, url("rouvrir", fermee)] + [url(nom, campagne) for nom in MUTATIONS]
    for adresse in urls:
        assert client.get(adresse).status_code == 403, adresse
        assert client.post(adresse, {"annee": "2026", "synthese": "forcée"}).status_code == 403
    assert client.post(OUVRIR, {"campagne": campagne.pk}).status_code == 403
    assert not Campagne.objects.filter(annee=2026).exists()
    assert not Evaluation.objects.exists()
    campagne.refresh_from_db()
    fermee.refresh_from_db()
    assert (campagne.statut, campagne.synthese) == (StatutCampagne.OUVERTE, "")
    assert fermee.statut == StatutCampagne.CLOSE


def test_agent_sees_the_working_buttons(client, agent, objectif1, campagne):
    action = ActionFactory(objectif=objectif1, numero=1)
    client.force_login(agent)
    assert "Ouvrir le bilan" in texte(client.get(LISTE))
    page = texte(client.get(url("campagne", campagne)))
    assert "Modifier le bilan" in page
    assert "Clore le bilan" in page
    assert "Préparer les évaluations manquantes" in page
    assert "Ajouter une action décidée en réunion" in page
    assert "Rouvrir le bilan" not in page
    evaluer = reverse("evaluations:evaluer", args=[campagne.pk, action.pk])
    assert f'href="{evaluer}"' in page
    reunion = reverse("evaluations:reunion_creer")
    assert f'href="{reunion}?type=bilan_annuel&amp;campagne={campagne.pk}"' in page
    for nom in ("campagne_modifier", "clore"):
        assert client.get(url(nom, campagne)).status_code == 200
    assert client.get(OUVRIR).status_code == 200


def test_pilote_sees_evaluer_on_their_actions_only(client, objectif1, campagne):
    pilote = EluFactory(username="pilote-elu")
    sienne = ActionFactory(objectif=objectif1, numero=1, pilote=pilote)
    autre = ActionFactory(objectif=objectif1, numero=2)
    EvaluationFactory(campagne=campagne, action=autre)
    client.force_login(pilote)
    page = texte(client.get(url("campagne", campagne)))
    assert reverse("evaluations:evaluer", args=[campagne.pk, sienne.pk]) in page
    assert 'Évaluer<span class="visually-hidden"> l\'action 1.1.1' in page
    assert 'Évaluer<span class="visually-hidden"> l\'action 1.1.2' not in page
    # The other action's evaluation is only offered for reading.
    assert "Voir<span class=\"visually-hidden\"> l'évaluation de l'action 1.1.2" in page


def test_agent_cannot_reopen(client, agent, projet):
    fermee = CampagneFactory(projet=projet, annee=2024, close=True)
    client.force_login(agent)
    assert client.get(url("rouvrir", fermee)).status_code == 403
    assert client.post(url("rouvrir", fermee)).status_code == 403
    fermee.refresh_from_db()
    assert fermee.statut == StatutCampagne.CLOSE and fermee.closed_at is not None
    assert "Rouvrir le bilan" not in texte(client.get(url("campagne", fermee)))


def test_administrator_reopens_and_history_records_it(client, administrateur, projet):
    fermee = CampagneFactory(projet=projet, annee=2024, close=True)
    client.force_login(administrateur)
    page = client.get(url("campagne", fermee))
    assert "Rouvrir le bilan" in texte(page)
    confirmation = client.get(url("rouvrir", fermee))
    assert confirmation.status_code == 200
    assert "inscrite dans l'historique" in texte(confirmation)

    response = client.post(url("rouvrir", fermee))

    assert response.status_code == 302
    fermee.refresh_from_db()
    assert fermee.statut == StatutCampagne.OUVERTE
    assert fermee.closed_at is None
    derniere = fermee.history.order_by("-history_date", "-history_id").first()
    nom = administrateur.get_full_name()
    assert derniere.history_change_reason == f"Réouverture par {nom}"
    assert derniere.history_user == administrateur
    assert f"Réouverture par {nom}" in texte(client.get(url("campagne", fermee)))


def test_reopening_an_open_campaign_changes_nothing(client, administrateur, campagne):
    client.force_login(administrateur)
    avant = campagne.history.count()
    response = client.post(url("rouvrir", campagne))
    assert response.status_code == 302
    assert "Bilan 2025 est déjà ouvert : rien n'a changé." in messages_de(response)
    assert campagne.history.count() == avant


def test_campaigns_of_another_projet_are_404(client, agent, projet, autre_projet):
    ailleurs = CampagneFactory(projet=autre_projet, annee=2018)
    client.force_login(AgentFactory(username="admin-bis", is_superuser=True))
    for nom in ["campagne", "rouvrir", *MUTATIONS]:
        assert client.get(url(nom, ailleurs)).status_code == 404, nom
    assert client.post(url("clore", ailleurs)).status_code == 404
    assert client.post(OUVRIR, {"campagne": ailleurs.pk}).status_code == 404
    ailleurs.refresh_from_db()
    assert ailleurs.statut == StatutCampagne.OUVERTE
    assert "2018" not in texte(client.get(LISTE))


# --- Opening --------------------------------------------------------------------------------


def test_opening_prepares_evaluations_for_non_abandoned_actions(
    client, agent, projet, objectif1, objectif2, autre_projet
):
    en_cours = ActionFactory(objectif=objectif1, numero=1, statut=StatutAction.EN_COURS)
    reportee = ActionFactory(objectif=objectif1, numero=2, statut=StatutAction.REPORTEE)
    ActionFactory(objectif=objectif2, numero=1, abandonnee=True)
    ActionFactory(objectif=ObjectifFactory(axe=AxeFactory(projet=autre_projet)))
    client.force_login(agent)

    response = client.post(OUVRIR, {"annee": "2026"})

    campagne = Campagne.objects.get(projet=projet, annee=2026)
    assert response.status_code == 302
    assert response["Location"] == url("campagne", campagne)
    assert messages_de(response) == ["Bilan 2026 ouvert : 2 évaluations préparées."]
    assert campagne.statut == StatutCampagne.OUVERTE
    evaluations = {e.action_id: e for e in campagne.evaluations.all()}
    assert set(evaluations) == {en_cours.pk, reportee.pk}
    assert evaluations[en_cours.pk].statut == StatutAction.EN_COURS
    assert evaluations[reportee.pk].statut == StatutAction.REPORTEE
    for evaluation in evaluations.values():
        assert (evaluation.appreciation, evaluation.taux_realisation) == ("", 0)
        historique = evaluation.history.get()
        assert historique.history_type == "+"
        assert historique.history_user == agent
        assert historique.history_change_reason == "Préparation du Bilan 2026"
    ouverture = campagne.history.get()
    assert (ouverture.history_user, ouverture.history_change_reason) == (
        agent,
        "Ouverture du bilan",
    )
    # Prepared evaluations are not "evaluated" yet.
    page = client.get(response["Location"])
    assert (page.context["total"].evaluees, page.context["total"].comptees) == (0, 2)
    assert page.context["a_evaluer"] == 2
    assert "0 évaluée, 2 à évaluer." in texte(page)
    assert "0 / 2 actions évaluées au Bilan 2026" in texte(page)


def test_opening_form_suggests_the_next_year(client, agent, projet, campagne):
    client.force_login(agent)
    form = client.get(OUVRIR).context["form"]
    assert form["annee"].value() == 2026


def test_a_year_already_opened_is_refused(client, agent, objectif1, campagne):
    ActionFactory(objectif=objectif1, numero=1)
    client.force_login(agent)
    response = client.post(OUVRIR, {"annee": "2025"})
    assert response.status_code == 200
    assert "Une campagne existe déjà pour cette année." in texte(response)
    assert "Le bilan n'a pas été ouvert" in texte(response)
    assert Campagne.objects.count() == 1
    assert not Evaluation.objects.exists()


@pytest.mark.parametrize("annee", ["2022", "2027", "1900"])
def test_a_year_outside_the_period_is_refused(client, agent, objectif1, annee):
    ActionFactory(objectif=objectif1, numero=1)
    client.force_login(agent)
    response = client.post(OUVRIR, {"annee": annee})
    assert response.status_code == 200
    assert f"L&#x27;année {annee} est hors de la période du projet social (2023 à 2026)." in texte(
        response
    )
    assert not Campagne.objects.exists()
    assert not Evaluation.objects.exists()


def test_a_year_that_is_not_a_number_is_refused(client, agent, projet):
    client.force_login(agent)
    response = client.post(OUVRIR, {"annee": "deux mille"})
    assert "Indiquez une année, par exemple 2026." in texte(response)
    assert not Campagne.objects.exists()


def test_missing_evaluations_are_listed_then_prepared(client, agent, objectif1, projet):
    ActionFactory(objectif=objectif1, numero=1)
    client.force_login(agent)
    client.post(OUVRIR, {"annee": "2025"})
    campagne = Campagne.objects.get(annee=2025)
    tardive = ActionFactory(objectif=objectif1, numero=2, intitule="Action créée après")
    ActionFactory(objectif=objectif1, numero=3, abandonnee=True)

    page = client.get(url("campagne", campagne))
    assert codes(page.context["sans_evaluation"]) == ["1.1.2"]
    assert "1 action sans évaluation préparée" in texte(page)
    # 1.1.1 (prepared) and 1.1.2 (no evaluation) are to evaluate; 1.1.3 is abandoned.
    assert page.context["a_evaluer"] == 2
    assert "0 évaluée, 2 à évaluer, dont 1 non préparée." in texte(page)

    response = client.post(OUVRIR, {"campagne": campagne.pk})
    assert response.status_code == 302
    assert messages_de(response) == ["Bilan 2025 : 1 évaluation préparée."]
    assert campagne.evaluations.filter(action=tardive, appreciation="").exists()
    assert campagne.evaluations.count() == 2
    page = client.get(url("campagne", campagne))
    assert "Préparer les évaluations manquantes" not in texte(page)

    response = client.post(OUVRIR, {"campagne": campagne.pk})
    assert messages_de(response) == ["Bilan 2025 : aucune évaluation ne manquait."]
    assert campagne.evaluations.count() == 2


# --- The campaign page ----------------------------------------------------------------------


@pytest.fixture
def bilan(projet, objectif1, objectif2, campagne):
    """Axe 1: 1.1.1 evaluated 80 %, 1.1.2 prepared (empty), 1.1.3 without evaluation.
    Axe 2: 2.1.1 evaluated 40 %, 2.1.2 abandoned before the campaign (no evaluation),
    2.1.3 abandoned at the review (evaluated, 10 %, out of the averages).

    By hand, abandoned actions left out: counted 1.1.1, 1.1.2, 1.1.3, 2.1.1; evaluated
    1 of 3 (axe 1), 1 of 1 (axe 2), 2 of 4 overall; never evaluated counts 0:
    axe 1 = (80 + 0 + 0) / 3 = 26.7 %, axe 2 = 40 %, overall = (80 + 0 + 0 + 40) / 4 = 30 %."""
    pilote_a = UserFactory(username="pilote-a", first_name="Anne", last_name="Le Goff")
    pilote_b = UserFactory(username="pilote-b", first_name="Yann", last_name="Kerbrat")
    a1 = ActionFactory(objectif=objectif1, numero=1, pilote=pilote_a)
    a2 = ActionFactory(objectif=objectif1, numero=2, pilote=pilote_b)
    ActionFactory(objectif=objectif1, numero=3, pilote=pilote_a)
    b1 = ActionFactory(objectif=objectif2, numero=1, pilote=pilote_b)
    ActionFactory(objectif=objectif2, numero=2, abandonnee=True)
    b3 = ActionFactory(
        objectif=objectif2,
        numero=3,
        statut=StatutAction.ABANDONNEE,
        motif_abandon="Remplacée par l'offre de la CAF.",
    )
    EvaluationFactory(
        campagne=campagne, action=a1, taux_realisation=80, appreciation=Appreciation.ATTEINT
    )
    EvaluationFactory(campagne=campagne, action=a2, taux_realisation=0, appreciation="")
    EvaluationFactory(
        campagne=campagne,
        action=b1,
        taux_realisation=40,
        appreciation=Appreciation.PARTIELLEMENT_ATTEINT,
    )
    EvaluationFactory(
        campagne=campagne,
        action=b3,
        statut=StatutAction.ABANDONNEE,
        taux_realisation=10,
        appreciation=Appreciation.NON_ATTEINT,
    )
    return {"campagne": campagne, "pilote_a": pilote_a, "pilote_b": pilote_b}


def _progression(response) -> dict:
    """{"total" or axe number: (evaluated, counted, mean avancement)} as the page has them."""
    total = response.context["total"]
    resultat = {"total": (total.evaluees, total.comptees, round(total.moyenne, 1))}
    for axe in response.context["axes_bilan"]:
        a = axe.avancement
        resultat[axe.numero] = (a.evaluees, a.comptees, round(a.moyenne, 1))
    return resultat


def test_campaign_page_counts_and_progress_per_axe(client, elu, bilan):
    campagne = bilan["campagne"]
    client.force_login(elu)
    response = client.get(url("campagne", campagne))

    # By hand: see the ``bilan`` fixture.
    assert _progression(response) == {
        "total": (2, 4, 30.0),
        1: (1, 3, 26.7),
        2: (1, 1, 40.0),
    }
    page = texte(response)
    assert "2 évaluées, 2 à évaluer, dont 1 non préparée." in page
    assert "2 sur 4" in page and "1 sur 3" in page and "1 sur 1" in page
    assert ">30 %<" in page and ">27 %<" in page and ">40 %<" in page
    assert 'aria-valuetext="2 sur 4"' in page
    # Every figure with its coverage, the open review marked as such (once, by the
    # headline figure: the per-axe rows below it do not repeat it).
    assert "2 / 4 actions évaluées au Bilan 2025" in page
    assert "1 / 3 actions évaluées au Bilan 2025" in page
    assert "1 / 1 action évaluée au Bilan 2025" in page
    assert page.count("en cours de saisie") == 1
    etats = {ligne.code: ligne.etat_libelle for ligne in response.context["lignes"]}
    assert etats == {
        "1.1.1": "Évaluée",
        "1.1.2": "À évaluer",
        "1.1.3": "À évaluer",
        "2.1.1": "Évaluée",
        "2.1.2": "Non concernée (abandonnée)",
        "2.1.3": "Évaluée",
    }


def test_closing_keeps_the_figures_of_the_review(client, agent, bilan):
    campagne = bilan["campagne"]
    client.force_login(agent)
    ouverte = _progression(client.get(url("campagne", campagne)))
    fermer(campagne, agent)
    close = client.get(url("campagne", campagne))
    assert (
        _progression(close)
        == ouverte
        == {
            "total": (2, 4, 30.0),
            1: (1, 3, 26.7),
            2: (1, 1, 40.0),
        }
    )
    page = texte(close)
    assert "2 évaluées, 2 non évaluées." in page
    assert "2 / 4 actions évaluées au Bilan 2025" in page
    assert "en cours de saisie" not in page


def test_campaign_page_is_accessible(client, elu, bilan):
    client.force_login(elu)
    page = texte(client.get(url("campagne", bilan["campagne"])))
    assert '<nav class="d-print-none" aria-label="Fil d\'Ariane">' in page
    assert page.count("<caption") == 2
    assert '<th scope="col">Action</th>' in page
    assert '<label class="form-label" for="id_axe">Axe</label>' in page
    assert '<label class="form-label" for="id_pilote">Pilote</label>' in page
    assert '<label class="form-label" for="id_appreciation">Appréciation</label>' in page
    assert 'for="id_non_evaluees">Non évaluées seulement</label>' in page


def test_filters(client, agent, bilan, axe1, axe2):
    campagne = bilan["campagne"]
    client.force_login(agent)

    def filtrer(**params) -> list[str]:
        return codes(client.get(url("campagne", campagne), params).context["lignes"])

    tout = ["1.1.1", "1.1.2", "1.1.3", "2.1.1", "2.1.2", "2.1.3"]
    assert filtrer() == tout
    # By axe number and by pilote name (a closed review knows them as they were).
    assert filtrer(axe=axe2.numero) == ["2.1.1", "2.1.2", "2.1.3"]
    assert filtrer(pilote="Anne Le Goff") == ["1.1.1", "1.1.3"]
    assert filtrer(pilote="Yann Kerbrat", axe=axe1.numero) == ["1.1.2"]
    assert filtrer(non_evaluees="on") == ["1.1.2", "1.1.3"]
    assert filtrer(non_evaluees="on", axe=axe2.numero) == []
    assert filtrer(appreciation=Appreciation.ATTEINT) == ["1.1.1"]
    assert filtrer(appreciation=Appreciation.NON_ATTEINT) == ["2.1.3"]
    # The figures stay those of the whole campaign whatever the filters.
    response = client.get(url("campagne", campagne), {"axe": axe2.numero})
    assert response.context["total"].comptees == 4  # the abandoned ones left out
    assert "3 actions sur 6" in texte(response)
    assert "filtres : Axe" in texte(response)
    # A filter value that is not one of the choices is reported, the list left whole.
    response = client.get(url("campagne", campagne), {"axe": "999"})
    assert codes(response.context["lignes"]) == tout
    assert "Un filtre n'est pas valide : Axe" in texte(response)


def test_decisions_of_the_review(client, elu, projet, objectif1, objectif2, campagne):
    reajustee = ActionFactory(objectif=objectif1, numero=1, intitule="Ateliers numériques")
    reportee = ActionFactory(objectif=objectif1, numero=2, intitule="Jardin partagé")
    decalee = ActionFactory(objectif=objectif1, numero=3, intitule="Guide des services")
    abandonnee = ActionFactory(
        objectif=objectif2,
        numero=1,
        intitule="Navette du marché",
        statut=StatutAction.ABANDONNEE,
        motif_abandon="Trop peu d'usagers.",
    )
    sans_decision = ActionFactory(objectif=objectif2, numero=2, intitule="Café des aidants")
    nouvelle = ActionFactory(objectif=objectif2, numero=3, intitule="Répit des aidants")
    ActionDecidee.objects.create(campagne=campagne, action=nouvelle)
    autre = CampagneFactory(projet=projet, annee=2024)
    ActionDecidee.objects.create(
        campagne=autre,
        action=ActionFactory(objectif=objectif2, numero=4, intitule="Née en 2024"),
    )
    EvaluationFactory(
        campagne=campagne, action=reajustee, reajustements="Ajouter un créneau le samedi."
    )
    EvaluationFactory(campagne=campagne, action=reportee, statut=StatutAction.REPORTEE)
    EvaluationFactory(
        campagne=campagne, action=decalee, nouvelle_echeance=datetime.date(2026, 6, 30)
    )
    EvaluationFactory(campagne=campagne, action=abandonnee, statut=StatutAction.ABANDONNEE)
    EvaluationFactory(campagne=campagne, action=sans_decision, reajustements="  ")
    # The same action's evaluation in another campaign does not count here.
    EvaluationFactory(campagne=autre, action=sans_decision, reajustements="Autre année.")
    client.force_login(elu)

    response = client.get(url("campagne", campagne))

    decisions = response.context["decisions"]
    assert codes(decisions.reajustees) == ["1.1.1"]
    assert codes(decisions.reportees) == ["1.1.2", "1.1.3"]
    assert codes(decisions.abandonnees) == ["2.1.1"]
    assert codes(decisions.nouvelles) == [nouvelle.code]
    page = texte(response)
    assert "Ajouter un créneau le samedi." in page
    assert "Nouvelle échéance : 30/06/2026" in page
    assert "Motif : Trop peu d&#x27;usagers." in page
    assert "Répit des aidants" in page
    assert "nouvelle, décidée lors de ce bilan" in page


def test_reunion_partenariale_is_shown_with_its_participants(client, agent, projet, campagne):
    reunion = ReunionFactory(
        projet=projet,
        campagne=campagne,
        type=TypeReunion.BILAN_ANNUEL,
        intitule="Réunion partenariale du bilan 2025",
        date=datetime.date(2026, 1, 29),
        nb_institutions=5,
        nb_associations=4,
        nb_elus=3,
    )
    ReunionFactory(projet=projet, intitule="Concertation sans lien")
    client.force_login(agent)
    page = texte(client.get(url("campagne", campagne)))
    assert "Réunion partenariale du bilan 2025" in page
    assert "12 participants" in page
    assert "Concertation sans lien" not in page
    assert reverse("evaluations:reunion_modifier", args=[reunion.pk]) in page
    assert "Enregistrer la réunion partenariale" not in page


# --- Editing and closing --------------------------------------------------------------------


def test_agent_edits_the_campaign(client, agent, campagne):
    client.force_login(agent)
    response = client.post(
        url("campagne_modifier", campagne),
        {
            "date_reunion": "2026-01-29",
            "synthese": "Une année utile.",
            "decisions": "1. Go",
            "version": str(campagne.version),
        },
    )
    assert response.status_code == 302
    campagne.refresh_from_db()
    assert campagne.date_reunion == datetime.date(2026, 1, 29)
    assert (campagne.synthese, campagne.decisions) == ("Une année utile.", "1. Go")
    assert campagne.history.first().history_user == agent
    page = texte(client.get(url("campagne", campagne)))
    assert "jeudi 29 janvier 2026" in page and "Une année utile." in page


def test_editing_with_a_bad_date_is_refused(client, agent, campagne):
    client.force_login(agent)
    response = client.post(
        url("campagne_modifier", campagne),
        {
            "date_reunion": "31/02/2026",
            "synthese": "x",
            "decisions": "",
            "version": str(campagne.version),
        },
    )
    assert response.status_code == 200
    assert "Le bilan n'a pas été enregistré" in texte(response)
    assert "Saisissez une date valide." in texte(response)
    campagne.refresh_from_db()
    assert campagne.synthese == ""


def test_closing_asks_for_confirmation_then_closes(client, agent, objectif1, campagne):
    evaluee = ActionFactory(objectif=objectif1, numero=1)
    ActionFactory(objectif=objectif1, numero=2)
    ActionFactory(objectif=objectif1, numero=3)
    EvaluationFactory(campagne=campagne, action=evaluee)
    client.force_login(agent)

    confirmation = client.get(url("clore", campagne))
    assert "2 actions ne sont pas encore évaluées" in texte(confirmation)
    assert "ne seront plus modifiables" in texte(confirmation)
    campagne.refresh_from_db()
    assert campagne.statut == StatutCampagne.OUVERTE

    avant = timezone.now()
    response = client.post(url("clore", campagne))

    assert response.status_code == 302
    campagne.refresh_from_db()
    assert campagne.statut == StatutCampagne.CLOSE
    assert avant <= campagne.closed_at <= timezone.now()
    derniere = campagne.history.first()
    assert (derniere.history_change_reason, derniere.history_user) == ("Clôture du bilan", agent)


def test_a_closed_campaign_is_frozen(client, agent, objectif1, campagne):
    action = ActionFactory(objectif=objectif1, numero=1)
    fermer(campagne, agent)
    ActionFactory(objectif=objectif1, numero=2)  # would be "missing" in an open campaign
    closed_at = campagne.closed_at
    historique = campagne.history.count()
    client.force_login(agent)

    page = texte(client.get(url("campagne", campagne)))
    for bouton in (
        "Modifier le bilan",
        "Clore le bilan",
        "Préparer les évaluations manquantes",
        "Ajouter une action décidée en réunion",
        "Enregistrer la réunion partenariale",
        ">Évaluer<",
    ):
        assert bouton not in page, bouton
    # The row its closing wrote for 1.1.1 is offered for reading only.
    assert "Voir<span class=\"visually-hidden\"> l'évaluation de l'action 1.1.1" in page
    for nom in ("campagne_modifier", "clore", "action_nouvelle"):
        assert client.get(url(nom, campagne)).status_code == 403, nom
    # Forged POSTs.
    modifier = url("campagne_modifier", campagne)
    assert client.post(modifier, {"synthese": "forcée"}).status_code == 403
    assert client.post(url("clore", campagne)).status_code == 403  # closing twice
    assert client.post(OUVRIR, {"campagne": campagne.pk}).status_code == 403
    nouvelle = {"objectif": str(objectif1.pk), "intitule": "Décidée après la clôture"}
    assert client.post(url("action_nouvelle", campagne), nouvelle).status_code == 403

    campagne.refresh_from_db()
    assert campagne.synthese == ""
    assert campagne.closed_at == closed_at
    assert campagne.history.count() == historique
    # Only the row its closing wrote for 1.1.1 (not evaluated): nothing prepared since.
    assert list(campagne.evaluations.values_list("action", "appreciation")) == [(action.pk, "")]
    assert not Action.objects.filter(intitule="Décidée après la clôture").exists()
    assert not campagne.actions_decidees.exists()


def test_a_closed_campaign_shows_the_fiches_as_they_were(
    client, elu, administrateur, objectif1, campagne
):
    pilote = UserFactory(username="ancien-pilote", first_name="Anne", last_name="Le Goff")
    remplacant = UserFactory(username="nouveau-pilote", first_name="Yann", last_name="Kerbrat")
    action = ActionFactory(
        objectif=objectif1,
        numero=1,
        intitule="Ancien intitulé",
        pilote=pilote,
        echeance=datetime.date(2025, 12, 31),
    )
    supprimee = ActionFactory(objectif=objectif1, numero=2, intitule="Fiche supprimée ensuite")
    EvaluationFactory(campagne=campagne, action=action, taux_realisation=70)
    ligne_supprimee = EvaluationFactory(campagne=campagne, action=supprimee, taux_realisation=30)
    fermer(campagne)
    # After the closing: the fiche changes, a new one is created.
    action.intitule = "Nouvel intitulé"
    action.pilote = remplacant
    action.statut = StatutAction.REALISEE
    action.echeance = datetime.date(2027, 6, 30)
    action.save()
    ActionFactory(objectif=objectif1, numero=3, intitule="Créée après la clôture")
    # A fiche the closed review lists cannot be deleted any more, with a French refusal…
    client.force_login(administrateur)
    refus = client.post(reverse("actions:supprimer", args=[supprimee.pk]))
    assert refus["Location"] == reverse("actions:detail", args=[supprimee.pk])
    assert messages_de(refus) == [
        "Cette fiche figure au Bilan 2025, clos : elle ne peut plus être supprimée. "
        "Abandonnez-la plutôt (elle reste visible dans les bilans)."
    ]
    with pytest.raises(RestrictedError):
        supprimee.delete()
    # …but a row can have lost its fiche (deleted before closed reviews were protected: the
    # migration that wrote their snapshots kept such rows, without fiche).
    Evaluation.objects.filter(pk=ligne_supprimee.pk).update(action=None)
    Action.objects.filter(pk=supprimee.pk).delete()
    client.force_login(elu)

    response = client.get(url("campagne", campagne))

    page = texte(response)
    assert "Ancien intitulé" in page
    assert "Nouvel intitulé" not in page
    assert "Anne Le Goff" in page and "Yann Kerbrat" not in page
    assert "31/12/2025" in page and "30/06/2027" not in page
    assert "Créée après la clôture" not in page
    lignes = {ligne.code: ligne for ligne in response.context["lignes"]}
    assert set(lignes) == {"1.1.1", "1.1.2"}
    assert lignes["1.1.1"].statut_libelle == "En cours"
    assert lignes["1.1.2"].intitule == "Fiche supprimée ensuite"
    assert lignes["1.1.2"].taux == 30
    assert not lignes["1.1.2"].fiche_existe
    assert "fiche supprimée depuis" in page
    assert response.context["total"].moyenne == 50  # (70 + 30) / 2, as at the closing


# --- Actions decided at the review ----------------------------------------------------------


def test_new_action_decided_at_the_review(client, agent, objectif1, campagne):
    ActionFactory(objectif=objectif1, numero=1)
    client.force_login(agent)
    adresse = url("action_nouvelle", campagne)

    formulaire = client.get(adresse)  # the fiche form itself, on the review's address
    assert formulaire.status_code == 200
    assert "Action décidée lors de la réunion partenariale du Bilan 2025" in texte(formulaire)
    data = donnees_du_formulaire(formulaire)
    data.update({"objectif": str(objectif1.pk), "intitule": "Répit des aidants"})
    response = client.post(adresse, data)

    nouvelle = Action.objects.get(intitule="Répit des aidants")
    assert response.status_code == 302
    assert response["Location"] == reverse("actions:detail", args=[nouvelle.pk])
    assert messages_de(response) == ["Fiche enregistrée."]
    assert nouvelle.code == "1.1.2"
    assert list(campagne.actions_decidees.all()) == [nouvelle]
    assert nouvelle.decision.campagne == campagne
    creation = nouvelle.history.get()
    assert (creation.history_type, creation.history_user) == ("+", agent)
    page = client.get(url("campagne", campagne))
    assert codes(page.context["decisions"].nouvelles) == [nouvelle.code]
    assert "nouvelle, décidée lors de ce bilan" in texte(page)


def test_a_creation_without_campaign_is_not_linked(client, agent, objectif1, campagne):
    client.force_login(agent)
    creer = reverse("actions:creer")
    formulaire = client.get(f"{creer}?campagne={campagne.pk}")  # the old link: a plain form
    assert "réunion partenariale" not in texte(formulaire)
    data = donnees_du_formulaire(formulaire)
    data.update({"objectif": str(objectif1.pk), "intitule": "Hors bilan", "campagne": "1"})
    # Neither a "campagne" in the query string nor in the POST body links the fiche.
    assert client.post(f"{creer}?campagne={campagne.pk}", data).status_code == 302
    assert Action.objects.filter(intitule="Hors bilan").exists()
    assert not ActionDecidee.objects.exists()
    page = client.get(url("campagne", campagne))
    assert page.context["decisions"].nouvelles == []


def test_new_action_for_a_closed_or_foreign_campaign_is_refused(
    client, agent, objectif1, campagne, autre_projet
):
    client.force_login(agent)
    data = donnees_du_formulaire(client.get(url("action_nouvelle", campagne)))
    data.update({"objectif": str(objectif1.pk), "intitule": "Refusée"})
    fermee = CampagneFactory(projet=campagne.projet, annee=2024, close=True)
    ailleurs = CampagneFactory(projet=autre_projet, annee=2018)
    for bilan, statut in ((fermee, 403), (ailleurs, 404)):
        assert client.get(url("action_nouvelle", bilan)).status_code == statut
        assert client.post(url("action_nouvelle", bilan), data).status_code == statut
    # The form opened while the review was open, posted once it is closed: refused too.
    fermer(campagne)
    assert client.post(url("action_nouvelle", campagne), data).status_code == 403
    assert not Action.objects.filter(intitule="Refusée").exists()
    assert not ActionDecidee.objects.exists()


def test_a_review_closed_during_the_save_refuses_the_new_action(client, agent, objectif1, campagne):
    """The link is written in the fiche's transaction, under a lock on the campaign row: a
    closing that lands between the view's check and the save rolls the fiche back (403)."""
    client.force_login(agent)
    data = donnees_du_formulaire(client.get(url("action_nouvelle", campagne)))
    data.update({"objectif": str(objectif1.pk), "intitule": "Arrivée trop tard"})
    original = Campagne.objects.du_projet

    def clore_au_passage(projet):
        campagnes = original(projet)
        if Action.objects.filter(intitule="Arrivée trop tard").exists():
            Campagne.objects.filter(pk=campagne.pk).update(
                statut=StatutCampagne.CLOSE, closed_at=timezone.now()
            )
        return campagnes

    with mock.patch.object(Campagne.objects, "du_projet", side_effect=clore_au_passage):
        assert client.post(url("action_nouvelle", campagne), data).status_code == 403
    assert not Action.objects.filter(intitule="Arrivée trop tard").exists()
    assert not ActionDecidee.objects.exists()


# --- Query counts ---------------------------------------------------------------------------


def _seed(objectif1, objectif2, campagne, n: int, depart: int) -> None:
    pilote = UserFactory()
    for i in range(n):
        objectif = objectif1 if i % 2 else objectif2
        action = ActionFactory(objectif=objectif, numero=depart + i, pilote=pilote)
        if i % 3:
            EvaluationFactory(
                campagne=campagne, action=action, reajustements="À revoir." if i % 5 else ""
            )


def test_query_count_of_an_open_campaign_does_not_grow(
    client, agent, projet, objectif1, objectif2, campagne, django_assert_num_queries
):
    ReunionFactory(projet=projet, campagne=campagne, type=TypeReunion.BILAN_ANNUEL)
    client.force_login(agent)
    _seed(objectif1, objectif2, campagne, 3, depart=1)
    # 1 session, 2 user, 3 the plan's generation, 4-5 user and group permissions, 6 projet,
    # 7 campagne, 8 its evaluations, 9 the actions (with objective, axe, pilote) and their
    # avancement, 10 the avancement per axe (the projet's combines it), 11 campaign history
    # (with its users), 12 réunions, 13 their partners (a closed review reads the partners
    # its closing recorded instead)
    with django_assert_num_queries(13):
        client.get(url("campagne", campagne), {"non_evaluees": "on"})
    _seed(objectif1, objectif2, campagne, 27, depart=10)
    with django_assert_num_queries(13):
        response = client.get(url("campagne", campagne), {"non_evaluees": "on"})
    assert response.context["nb_lignes"] == 30


def test_query_count_of_a_closed_campaign_does_not_grow(
    client, agent, projet, objectif1, objectif2, campagne, django_assert_num_queries
):
    ReunionFactory(projet=projet, campagne=campagne, type=TypeReunion.BILAN_ANNUEL)
    client.force_login(agent)
    _seed(objectif1, objectif2, campagne, 3, depart=1)
    fermer(campagne)
    # 1 session, 2 user, 3 the plan's generation, 4-5 user and group permissions, 6 projet,
    # 7 campagne, 8 its rows (the fiches as they were at the closing), 9 the avancement per
    # axe (from those rows; the projet's combines it), 10 campaign history (with its users),
    # 11 réunions
    with django_assert_num_queries(11):
        client.get(url("campagne", campagne))
    campagne.rouvrir(agent)
    _seed(objectif1, objectif2, campagne, 27, depart=10)
    fermer(campagne)
    with django_assert_num_queries(11):
        response = client.get(url("campagne", campagne))
    assert response.context["nb_lignes"] == 30


def test_list_counts_match_the_campaign_pages(client, elu, bilan, projet, objectif1):
    ouverte = bilan["campagne"]
    fermee = CampagneFactory(projet=projet, annee=2024)
    evaluee, oubliee = Action.objects.filter(objectif=objectif1).order_by("numero")[:2]
    EvaluationFactory(campagne=fermee, action=evaluee, appreciation=Appreciation.ATTEINT)
    fermer(fermee)
    # After the closing: the forgotten action is abandoned, two are created; none of that
    # changes the closed campaign's figures: 1 evaluated (1.1.1, 50 %), 3 not evaluated at
    # the closing (1.1.2, 1.1.3, 2.1.1, never evaluated: 0 %), the two abandoned ones left
    # out: 1 / 4, (50 + 0 + 0 + 0) / 4 = 12.5 %.
    oubliee.statut = StatutAction.ABANDONNEE
    oubliee.motif_abandon = "Plus de besoin."
    oubliee.save()
    ActionFactory(objectif=objectif1, numero=9)
    ActionFactory(objectif=objectif1, numero=10)
    client.force_login(elu)

    liste = client.get(LISTE)

    figures = {
        c.annee: (c.progression.evaluees, c.progression.comptees, c.progression.moyenne)
        for c in liste.context["campagnes"]
    }
    for campagne in (ouverte, fermee):
        page = client.get(url("campagne", campagne))
        total = page.context["total"]
        assert figures[campagne.annee] == (total.evaluees, total.comptees, total.moyenne)
        assert page.context["a_evaluer"] == total.comptees - total.evaluees
    # 2025 (open, now 8 actions): 1.1.1 (80 %) and 2.1.1 (40 %) evaluated; 1.1.3, 1.1.9 and
    # 1.1.10 to evaluate (0 %: nothing to carry forward from 2024); left out: 2.1.2, 2.1.3 and
    # 1.1.2 (abandoned on its fiche, its prepared evaluation not filled in):
    # 2 / 5, (80 + 40 + 0 + 0 + 0) / 5 = 24 %.
    assert figures == {2025: (2, 5, 24.0), 2024: (1, 4, 12.5)}
    html = texte(liste)
    assert "2 sur 5" in html and "1 sur 4" in html
    assert "2 / 5 actions évaluées au Bilan 2025" in html
    assert "1 / 4 actions évaluées au Bilan 2024" in html


def test_query_count_of_the_list_is_one_per_campaign(
    client, agent, projet, django_assert_num_queries
):
    client.force_login(agent)
    CampagneFactory(projet=projet, annee=2023, close=True)
    # 1 session, 2 user, 3 the plan's generation, 4-5 user and group permissions, 6 projet,
    # 7 campaigns, 8 the progress of each (one query per campaign: a plan has one review a
    # year), 9 years already opened (the suggestion of the opening form)
    with django_assert_num_queries(9):
        client.get(LISTE)
    CampagneFactory(projet=projet, annee=2024)
    CampagneFactory(projet=projet, annee=2025)
    with django_assert_num_queries(11):
        response = client.get(LISTE)
    assert "Bilan 2023" in texte(response) and "Bilan 2025" in texte(response)


# --- Two agents, one review -----------------------------------------------------------------


def test_second_save_of_the_review_is_refused_then_accepted(deux_onglets, campagne):
    onglet_1, onglet_2, premier, second = deux_onglets
    adresse = url("campagne_modifier", campagne)
    saisie_1 = lire_formulaire(onglet_1.get(adresse))
    saisie_2 = lire_formulaire(onglet_2.get(adresse))
    assert saisie_1["version"] == saisie_2["version"] == "1"
    saisie_1["synthese"] = "Une année de mise en route."
    assert onglet_1.post(adresse, saisie_1).status_code == 302

    saisie_2["decisions"] = "1. Ouvrir l'épicerie sociale le samedi."
    refus = onglet_2.post(adresse, saisie_2)

    assert refus.status_code == 409
    enregistrement = campagne.history.latest()
    assert (
        "Enregistrement refusé : la campagne d'évaluation a changé entre-temps "
        "Cette campagne d'évaluation a été enregistrée par Agent CCAS "
        f"{quand(enregistrement.history_date)} pendant que vous la modifiiez. Rien n'a été "
        "enregistré de votre côté : vos saisies sont conservées ci-dessous. Comparez-les avec "
        "ce qui a été enregistré, puis enregistrez à nouveau pour les confirmer."
    ) in texte_lu(refus)
    assert changements_du_conflit(refus) == [("Synthèse", "(vide)", "Une année de mise en route.")]
    # The second agent's input is still in the form, which now carries the new version.
    formulaire = lire_formulaire(refus)
    assert formulaire["decisions"] == "1. Ouvrir l'épicerie sociale le samedi."
    assert formulaire["version"] == "2"
    campagne.refresh_from_db()
    assert (campagne.synthese, campagne.decisions, campagne.version) == (
        "Une année de mise en route.",
        "",
        2,
    )

    # Having seen what changed, the second agent saves again and knowingly overwrites.
    formulaire["synthese"] = "Une année de mise en route, avec l'épicerie."
    assert onglet_2.post(adresse, formulaire).status_code == 302
    campagne.refresh_from_db()
    assert (campagne.synthese, campagne.decisions, campagne.version) == (
        "Une année de mise en route, avec l'épicerie.",
        "1. Ouvrir l'épicerie sociale le samedi.",
        3,
    )
    assert campagne.history.latest().history_user == second


@pytest.mark.parametrize(
    "envoi",
    [
        {},
        {"date_reunion": "", "synthese": "", "decisions": ""},
        {"synthese": "Écrasée ?"},
    ],
    ids=["vide", "champs-vides-sans-version", "partiel-sans-version"],
)
def test_a_post_without_the_version_blanks_nothing(client, agent, campagne, envoi):
    campagne.date_reunion = datetime.date(2026, 1, 29)
    campagne.synthese = "Une année utile."
    campagne.decisions = "1. Continuer."
    campagne.save()
    historique = campagne.history.count()
    client.force_login(agent)

    response = client.post(url("campagne_modifier", campagne), envoi)

    assert response.status_code == 200
    page = texte_lu(response)
    assert "Le bilan n'a pas été enregistré" in page
    assert SANS_VERSION in page
    campagne.refresh_from_db()
    assert (campagne.date_reunion, campagne.synthese, campagne.decisions, campagne.version) == (
        datetime.date(2026, 1, 29),
        "Une année utile.",
        "1. Continuer.",
        1,
    )
    assert campagne.history.count() == historique


def test_a_partial_post_blanks_nothing_even_with_the_version(client, agent, campagne):
    campagne.synthese = "Une année utile."
    campagne.decisions = "1. Continuer."
    campagne.save()
    client.force_login(agent)

    response = client.post(
        url("campagne_modifier", campagne), {"version": "1", "synthese": "Seule la synthèse"}
    )

    assert response.status_code == 200
    assert (
        "Le formulaire reçu est incomplet (champs manquants : Date de la réunion partenariale, "
        "Décisions de la réunion partenariale) : rien n'a été enregistré."
    ) in texte_lu(response)
    campagne.refresh_from_db()
    assert (campagne.synthese, campagne.decisions, campagne.version) == (
        "Une année utile.",
        "1. Continuer.",
        1,
    )


def test_a_form_opened_before_closing_and_reopening_cannot_overwrite(
    client, agent, administrateur, objectif1, campagne
):
    client.force_login(agent)
    adresse = url("campagne_modifier", campagne)
    saisie = lire_formulaire(client.get(adresse))
    assert client.post(url("clore", campagne)).status_code == 302
    onglet_admin = client.__class__()
    onglet_admin.force_login(administrateur)
    assert onglet_admin.post(url("rouvrir", campagne)).status_code == 302

    saisie["synthese"] = "Saisie commencée avant la clôture."
    refus = client.post(adresse, saisie)

    assert refus.status_code == 409
    assert "Cette campagne d'évaluation a été enregistrée par " in texte_lu(refus)
    campagne.refresh_from_db()
    assert (campagne.synthese, campagne.statut, campagne.version) == (
        "",
        StatutCampagne.OUVERTE,
        3,
    )


# --- Words (issue 11) -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("evaluees", "preparees", "non_preparees", "phrase"),
    [
        (0, 0, 2, "0 évaluée, 2 à évaluer, aucune préparée."),
        (1, 0, 1, "1 évaluée, 1 à évaluer, non préparée."),
        (2, 1, 2, "2 évaluées, 3 à évaluer, dont 2 non préparées."),
        (1, 2, 0, "1 évaluée, 2 à évaluer."),
    ],
)
def test_the_count_of_a_review_reads_right(
    client, agent, objectif1, campagne, evaluees, preparees, non_preparees, phrase
):
    numeros = iter(range(1, 10))
    for _ in range(evaluees):
        action = ActionFactory(objectif=objectif1, numero=next(numeros))
        EvaluationFactory(campagne=campagne, action=action)
    for _ in range(preparees):
        action = ActionFactory(objectif=objectif1, numero=next(numeros))
        EvaluationFactory(campagne=campagne, action=action, appreciation="", taux_realisation=0)
    for _ in range(non_preparees):
        ActionFactory(objectif=objectif1, numero=next(numeros))
    client.force_login(agent)

    page = client.get(url("campagne", campagne))

    # The figures come from the page's own rows and totals.
    assert page.context["a_evaluer"] == preparees + non_preparees
    assert len(page.context["sans_evaluation"]) == non_preparees
    assert phrase in texte_lu(page)
    assert "dont 2 sans évaluation préparée" not in texte_lu(page)


def test_the_list_says_voir_to_view_and_folds_the_opening_while_a_review_is_open(
    client, agent, campagne
):
    ancien = CampagneFactory(projet=campagne.projet, annee=2024, close=True)
    client.force_login(agent)

    page = texte(client.get(LISTE))

    for bilan in (campagne, ancien):
        assert f'<a href="{url("campagne", bilan)}">Voir le bilan {bilan.annee}</a>' in page
    # The Bilan 2025 is still open: opening the next one is folded away.
    assert '<details class="ouvrir-bilan">' in page
    assert "Le Bilan 2025 est encore ouvert" in page
    assert 'name="annee"' in page


def test_the_opening_form_is_in_view_when_no_review_is_open(client, agent, projet):
    CampagneFactory(projet=projet, annee=2024, close=True)
    client.force_login(agent)
    page = texte(client.get(LISTE))
    assert '<h2 id="titre-ouvrir" class="h4">Ouvrir un nouveau bilan</h2>' in page
    assert "<details" not in page
