"""The evaluation of an action in a yearly review: roles, the form with last year beside it,
carrying a new statut or échéance over to the fiche, bad input, conflicts between two agents,
"save and next", the freeze of closed campaigns, the fiche's year-over-year section, and
query counts that do not grow with the indicators or the past campaigns."""

import datetime
from decimal import Decimal
from unittest import mock

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from actions.enums import StatutAction
from actions.models import Action
from axes.enums import StatutProjet
from evaluations.enums import Appreciation
from evaluations.models import Evaluation, Mesure, a_evaluer
from evaluations.views import evaluation as evaluation_views
from tests.actions.factories import ActionFactory, IndicateurFactory
from tests.axes.factories import AxeFactory, ObjectifFactory, ProjetSocialFactory
from tests.evaluations.factories import CampagneFactory, EvaluationFactory, MesureFactory
from tests.factories_utilisateurs import AgentFactory, UserFactory
from tests.formulaires import donnees_du_formulaire
from tests.pages import lire_page, par_id
from tests.pages import texte as pages_texte

# --- Fixtures and helpers ------------------------------------------------------------------


@pytest.fixture
def action(objectif, pilote):
    """Rather than the shared fiche 2.3.1: 2.3.2, so that the campaign's navigation has a
    neighbour before it, in progress and due at the end of the campaign's year."""
    return ActionFactory(
        objectif=objectif,
        numero=2,
        intitule="Visites de convivialité",
        statut=StatutAction.EN_COURS,
        pilote=pilote,
        date_debut=datetime.date(2024, 1, 1),
        echeance=datetime.date(2025, 12, 31),
    )


@pytest.fixture
def indicateurs(action):
    return [
        IndicateurFactory(
            action=action,
            libelle="Personnes visitées",
            unite="personnes",
            valeur_cible=Decimal("40"),
        ),
        IndicateurFactory(
            action=action, libelle="Bénévoles formés", unite="bénévoles", valeur_cible=Decimal("15")
        ),
    ]


@pytest.fixture
def bilan_2024(projet, action, indicateurs):
    """Last year's campaign, closed, with the action's evaluation and its values."""
    campagne = CampagneFactory(projet=projet, annee=2024)
    evaluation = EvaluationFactory(
        campagne=campagne,
        action=action,
        taux_realisation=40,
        appreciation=Appreciation.PARTIELLEMENT_ATTEINT,
        realise="Dix visites en 2024.",
        reajustements="Recruter des bénévoles.",
    )
    MesureFactory(evaluation=evaluation, indicateur=indicateurs[0], valeur_realisee=12)
    MesureFactory(evaluation=evaluation, indicateur=indicateurs[1], valeur_realisee=5)
    campagne.clore(None)
    return campagne


@pytest.fixture
def campagne(projet):
    return CampagneFactory(projet=projet, annee=2025)


@pytest.fixture
def autre_projet_action(db):
    """An action of a plan that is not the current one (closed, older), with its campaign."""
    ancien = ProjetSocialFactory(statut=StatutProjet.CLOS, annee_debut=2017, annee_fin=2020)
    action = ActionFactory(objectif=ObjectifFactory(axe=AxeFactory(projet=ancien)))
    CampagneFactory(projet=ancien, annee=2019)
    return action


def url(campagne, action) -> str:
    return reverse(
        "evaluations:evaluer", kwargs={"campagne_pk": campagne.pk, "action_pk": action.pk}
    )


def texte(response) -> str:
    return response.content.decode()


def formulaire_rempli(client, campagne, action, **valeurs) -> dict:
    """The form as opened by ``client``, filled with a valid evaluation, then ``valeurs``."""
    response = client.get(url(campagne, action))
    assert response.status_code == 200
    data = donnees_du_formulaire(response)
    data.update(
        {
            "taux_realisation": "60",
            "appreciation": Appreciation.PARTIELLEMENT_ATTEINT,
            "realise": "Vingt visites.",
        }
    )
    data.update(valeurs)
    return data


def nom_mesure(indicateur, champ: str = "valeur_realisee") -> str:
    return f"mesures-{indicateur.pk}-{champ}"


def messages_de(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


# --- Roles ---------------------------------------------------------------------------------


def test_anonymous_is_sent_to_login(client, campagne, action):
    for response in (client.get(url(campagne, action)), client.post(url(campagne, action))):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_agent_creates_the_first_evaluation_with_its_mesures(
    client, agent, campagne, action, indicateurs
):
    client.force_login(agent)
    data = formulaire_rempli(client, campagne, action, points_forts="Des bénévoles fidèles.")
    assert data["version"] == "0"  # no evaluation yet
    data[nom_mesure(indicateurs[0])] = "22"
    data[nom_mesure(indicateurs[0], "commentaire")] = "Hors période estivale"
    data[nom_mesure(indicateurs[1])] = "7.5"

    response = client.post(url(campagne, action), data)

    assert response.status_code == 302
    assert response["Location"] == url(campagne, action)
    assert messages_de(response) == [
        "Évaluation de 2.3.2 « Visites de convivialité » enregistrée. "
        "Toutes les actions du Bilan 2025 sont évaluées."
    ]
    evaluation = Evaluation.objects.get(campagne=campagne, action=action)
    assert (evaluation.taux_realisation, evaluation.appreciation, evaluation.version) == (
        60,
        Appreciation.PARTIELLEMENT_ATTEINT,
        1,
    )
    assert evaluation.points_forts == "Des bénévoles fidèles."
    assert evaluation.auteur == agent
    mesures = {m.indicateur_id: m for m in evaluation.mesures.all()}
    assert mesures[indicateurs[0].pk].valeur_realisee == Decimal("22")
    assert mesures[indicateurs[0].pk].commentaire == "Hors période estivale"
    assert mesures[indicateurs[1].pk].valeur_realisee == Decimal("7.5")
    # Each mesure has its history row, by the agent.
    assert Mesure.history.filter(evaluation_id=evaluation.pk, history_user=agent).count() == 2
    # Nothing carried over to the fiche: statut and échéance left as they were.
    action.refresh_from_db()
    assert (action.statut, action.version) == (StatutAction.EN_COURS, 1)


def test_an_indicator_left_empty_gets_an_empty_mesure(client, agent, campagne, action, indicateurs):
    client.force_login(agent)
    data = formulaire_rempli(client, campagne, action)
    data[nom_mesure(indicateurs[0])] = "3"

    assert client.post(url(campagne, action), data).status_code == 302

    mesures = Mesure.objects.filter(evaluation__campagne=campagne).order_by("indicateur")
    assert [m.valeur_realisee for m in mesures] == [Decimal("3"), None]


def test_pilote_evaluates_their_action(client, pilote, campagne, action, indicateurs):
    client.force_login(pilote)
    page = client.get(url(campagne, action))
    assert page.status_code == 200
    assert page.context["form"] is not None

    response = client.post(url(campagne, action), formulaire_rempli(client, campagne, action))

    assert response.status_code == 302
    assert Evaluation.objects.get(campagne=campagne, action=action).auteur == pilote


def test_pilote_of_another_action_gets_403(client, campagne, action, objectif):
    autre_pilote = UserFactory(username="autre-pilote")
    ActionFactory(objectif=objectif, numero=5, pilote=autre_pilote)
    client.force_login(autre_pilote)
    assert client.get(url(campagne, action)).status_code == 403
    data = {"version": "0", "taux_realisation": "99", "appreciation": Appreciation.ATTEINT}
    assert client.post(url(campagne, action), data).status_code == 403
    assert not Evaluation.objects.exists()


def test_elu_reads_the_evaluation_and_gets_403_on_post(client, elu, campagne, action, indicateurs):
    evaluation = EvaluationFactory(
        campagne=campagne, action=action, taux_realisation=70, realise="Trente visites."
    )
    MesureFactory(evaluation=evaluation, indicateur=indicateurs[0], valeur_realisee=30)
    client.force_login(elu)

    page = client.get(url(campagne, action))

    assert page.status_code == 200
    html = texte(page)
    assert page.context["form"] is None
    assert '<form method="post" class="evaluation-form"' not in html
    assert "Enregistrer" not in html
    assert "Trente visites." in html
    assert 'aria-valuenow="70"' in html
    assert '30 <span class="small text-body-secondary">(75 %)</span>' in html

    data = {"version": "1", "taux_realisation": "99", "appreciation": Appreciation.ATTEINT}
    assert client.post(url(campagne, action), data).status_code == 403
    evaluation.refresh_from_db()
    assert (evaluation.taux_realisation, evaluation.version) == (70, 1)


def test_action_or_campaign_of_another_projet_is_404(
    client, agent, campagne, action, autre_projet_action
):
    autre_campagne = autre_projet_action.objectif.axe.projet.campagnes.get()
    client.force_login(agent)
    data = {"version": "0", "taux_realisation": "10", "appreciation": Appreciation.ATTEINT}
    for adresse in (url(campagne, autre_projet_action), url(autre_campagne, action)):
        assert client.get(adresse).status_code == 404
        assert client.post(adresse, data).status_code == 404
    assert not Evaluation.objects.exists()


def test_other_methods_are_refused(client, agent, campagne, action):
    client.force_login(agent)
    assert client.put(url(campagne, action)).status_code == 405
    assert client.delete(url(campagne, action)).status_code == 405


# --- The form -------------------------------------------------------------------------------


def test_form_shows_last_year_the_targets_and_the_fiche(
    client, agent, campagne, bilan_2024, action, indicateurs
):
    client.force_login(agent)

    response = client.get(url(campagne, action))

    assert response.status_code == 200
    html = texte(response)
    assert "Évaluation de l'action 2.3.2 : Visites de convivialité" in html.replace("&#x27;", "'")
    # The first field has the focus: the agent types at once.
    assert '<select name="statut" autofocus class="form-select"' in html
    # The appréciation is required: choosing it marks the action as evaluated.
    # The taux is a number between 0 and 100, empty until typed.
    assert '<input type="number" name="taux_realisation" min="0" max="100"' in html
    assert 'name="appreciation" class="form-select" required' in html
    # The fiche today.
    assert "La fiche aujourd'hui" in html
    assert "31/12/2025" in html
    # Last year's evaluation beside the form.
    assert "Évaluation précédente : Bilan 2024" in html
    assert "Dix visites en 2024." in html
    assert "Recruter des bénévoles." in html
    assert "Partiellement atteint" in html
    assert 'aria-label="Taux de réalisation de l\'évaluation précédente" aria-valuenow="40"' in html
    # Each indicator: target, last year's value with its attainment, this year's input.
    assert '<th scope="col" class="text-end">Bilan 2024</th>' in html
    lignes = response.context["lignes"]
    assert [ligne["indicateur"] for ligne in lignes] == indicateurs
    assert [ligne["precedente"].valeur_realisee for ligne in lignes] == [12, 5]
    assert '12 <span class="small text-body-secondary">(30 %)</span>' in html
    assert '5 <span class="small text-body-secondary">(33 %)</span>' in html
    assert f'name="{nom_mesure(indicateurs[0])}"' in html
    assert "en personnes" in html and "en bénévoles" in html


def test_form_without_previous_evaluation_says_so(client, agent, campagne, action, indicateurs):
    client.force_login(agent)
    html = texte(client.get(url(campagne, action)))
    assert "Première évaluation de cette action." in html
    assert '<th scope="col" class="text-end">Précédent</th>' in html


def test_prepared_evaluation_starts_from_the_fiche_statut(client, agent, campagne, action):
    """Opening a campaign prepares empty evaluations (statut « en cours » by default): the
    form shows the fiche's statut, so saving without touching it leaves the fiche alone."""
    action.statut = StatutAction.A_LANCER
    action.save()
    EvaluationFactory(
        campagne=campagne,
        action=action,
        appreciation="",
        taux_realisation=0,
        statut=StatutAction.EN_COURS,
    )
    client.force_login(agent)
    data = formulaire_rempli(client, campagne, action)
    assert data["statut"] == StatutAction.A_LANCER
    assert data["version"] == "1"

    assert client.post(url(campagne, action), data).status_code == 302

    action.refresh_from_db()
    assert (action.statut, action.version) == (StatutAction.A_LANCER, 1)
    evaluation = Evaluation.objects.get(campagne=campagne, action=action)
    assert (evaluation.statut, evaluation.version, evaluation.est_saisie) == (
        StatutAction.A_LANCER,
        2,
        True,
    )


def test_saving_again_updates_the_mesures(client, agent, campagne, action, indicateurs):
    client.force_login(agent)
    data = formulaire_rempli(client, campagne, action)
    data[nom_mesure(indicateurs[0])] = "10"
    client.post(url(campagne, action), data)

    data = formulaire_rempli(client, campagne, action)
    assert data[nom_mesure(indicateurs[0])] == "10.00"
    assert data["version"] == "1"
    data[nom_mesure(indicateurs[0])] = "11"
    assert client.post(url(campagne, action), data).status_code == 302

    mesure = Mesure.objects.get(indicateur=indicateurs[0])
    assert mesure.valeur_realisee == Decimal("11")
    assert Mesure.objects.count() == 2
    assert Evaluation.objects.get().version == 2
    # The unchanged indicator got no new history row.
    assert Mesure.history.filter(indicateur_id=indicateurs[1].pk).count() == 1
    assert Mesure.history.filter(indicateur_id=indicateurs[0].pk).count() == 2


# --- Carrying the evaluation over to the fiche -----------------------------------------------


def test_new_statut_and_echeance_update_the_fiche_and_its_history(
    client, agent, campagne, action, indicateurs
):
    client.force_login(agent)
    data = formulaire_rempli(
        client,
        campagne,
        action,
        statut=StatutAction.REPORTEE,
        nouvelle_echeance="2026-06-30",
        reajustements="Reporter au printemps.",
    )

    assert client.post(url(campagne, action), data).status_code == 302

    action.refresh_from_db()
    assert action.statut == StatutAction.REPORTEE
    assert action.echeance == datetime.date(2026, 6, 30)
    assert (action.version, action.updated_by) == (2, agent)
    enregistrement = action.history.order_by("-history_id").first()
    assert enregistrement.history_change_reason == "Depuis l'évaluation du Bilan 2025"
    assert enregistrement.history_user == agent
    evaluation = Evaluation.objects.get()
    assert evaluation.nouvelle_echeance == datetime.date(2026, 6, 30)

    # The fiche lists the change with its reason; its history page, what changed.
    fiche = texte(client.get(reverse("actions:detail", args=[action.pk])))
    assert "Depuis l&#x27;évaluation du Bilan 2025</li>" in fiche
    historique = texte(client.get(reverse("actions:historique", args=[action.pk])))
    assert "(Depuis l&#x27;évaluation du Bilan 2025)" in historique
    assert 'Échéance : <del><span class="visually-hidden">avant : </span>31/12/2025' in historique


def test_only_a_new_echeance_updates_the_fiche(client, agent, campagne, action, indicateurs):
    client.force_login(agent)
    data = formulaire_rempli(client, campagne, action, nouvelle_echeance="2026-03-31")
    assert client.post(url(campagne, action), data).status_code == 302
    action.refresh_from_db()
    assert (action.statut, action.echeance) == (StatutAction.EN_COURS, datetime.date(2026, 3, 31))


def test_saving_again_does_not_revert_a_fiche_edited_since(
    client, agent, campagne, action, indicateurs
):
    """The evaluation set « reportée »; the fiche was then edited back to « en cours ».
    Correcting a typo in the evaluation must not silently revert the fiche."""
    client.force_login(agent)
    data = formulaire_rempli(
        client, campagne, action, statut=StatutAction.REPORTEE, nouvelle_echeance="2026-06-30"
    )
    client.post(url(campagne, action), data)
    action.refresh_from_db()
    action.statut = StatutAction.EN_COURS
    action.echeance = datetime.date(2027, 1, 31)
    action.save_versioned(action.version)

    data = formulaire_rempli(client, campagne, action, realise="Vingt visites (corrigé).")
    assert data["statut"] == StatutAction.REPORTEE
    assert client.post(url(campagne, action), data).status_code == 302

    action.refresh_from_db()
    assert (action.statut, action.echeance, action.version) == (
        StatutAction.EN_COURS,
        datetime.date(2027, 1, 31),
        3,
    )


def test_abandon_requires_a_motif_and_sets_it_on_the_fiche(
    client, agent, campagne, action, indicateurs
):
    client.force_login(agent)
    data = formulaire_rempli(client, campagne, action, statut=StatutAction.ABANDONNEE)
    data[nom_mesure(indicateurs[0])] = "4"

    refus = client.post(url(campagne, action), data)

    assert refus.status_code == 200
    assert "Indiquez le motif de l&#x27;abandon : il est reporté sur la fiche action." in texte(
        refus
    )
    assert not Evaluation.objects.exists() and not Mesure.objects.exists()
    action.refresh_from_db()
    assert (action.statut, action.version) == (StatutAction.EN_COURS, 1)

    data["motif_abandon"] = "  Besoin couvert par l'association voisine.  "
    assert client.post(url(campagne, action), data).status_code == 302

    action.refresh_from_db()
    assert action.statut == StatutAction.ABANDONNEE
    assert action.motif_abandon == "Besoin couvert par l'association voisine."
    assert Evaluation.objects.get().statut == StatutAction.ABANDONNEE
    historique = action.history.order_by("-history_id").first()
    assert historique.history_change_reason == "Depuis l'évaluation du Bilan 2025"


# --- Bad input ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("modifications", "message", "saisie"),
    [
        (
            {"taux_realisation": "150"},
            "Le taux de réalisation doit être compris entre 0 et 100.",
            'value="150"',
        ),
        (
            {"taux_realisation": "-1"},
            "Le taux de réalisation doit être compris entre 0 et 100.",
            'value="-1"',
        ),
        (
            {"taux_realisation": ""},
            "Indiquez le taux de réalisation (0 à 100).",
            ">\nVingt visites.</textarea>",
        ),
        (
            {"appreciation": ""},
            "Choisissez une appréciation : c&#x27;est elle qui marque l&#x27;action comme évaluée.",
            ">\nVingt visites.</textarea>",
        ),
        (
            {"mesure-0": "douze"},
            "Saisissez un nombre (par exemple 12 ou 12.5).",
            'value="douze"',
        ),
        (
            {"mesure-0": "-3"},
            "La valeur réalisée ne peut pas être négative.",
            'value="-3"',
        ),
        (
            {"nouvelle_echeance": "2023-12-31"},
            "La nouvelle échéance ne peut pas précéder la date de début de l&#x27;action "
            "(01/01/2024).",
            'value="2023-12-31"',
        ),
        (
            {"statut": StatutAction.ABANDONNEE, "motif_abandon": "   "},
            "Indiquez le motif de l&#x27;abandon : il est reporté sur la fiche action.",
            '<option value="abandonnee" selected>',
        ),
    ],
)
def test_bad_input_is_refused_with_a_french_message(
    client, agent, campagne, action, indicateurs, modifications, message, saisie
):
    client.force_login(agent)
    data = formulaire_rempli(
        client, campagne, action, statut=StatutAction.REPORTEE, nouvelle_echeance="2026-06-30"
    )
    data[nom_mesure(indicateurs[1])] = "8"
    for cle, valeur in modifications.items():
        data[nom_mesure(indicateurs[0]) if cle == "mesure-0" else cle] = valeur

    response = client.post(url(campagne, action), data)

    assert response.status_code == 200
    html = texte(response)
    assert "L'évaluation n'a pas été enregistrée : 1 erreur à corriger" in html
    assert message in html
    assert saisie in html  # what the user typed is still there
    assert f'name="{nom_mesure(indicateurs[1])}" value="8"' in html
    # The error summary takes the focus (static/js/formulaire.js), not a field; the invalid
    # input is flagged for assistive technologies.
    assert "data-resume-erreurs" in html
    assert " autofocus" not in html
    assert 'aria-invalid="true"' in html or "is-invalid" in html
    assert not Evaluation.objects.exists()
    assert not Mesure.objects.exists()
    action.refresh_from_db()
    assert (action.statut, action.echeance, action.version) == (
        StatutAction.EN_COURS,
        datetime.date(2025, 12, 31),
        1,
    )


def test_a_tampered_version_is_refused(client, agent, campagne, action):
    client.force_login(agent)
    data = formulaire_rempli(client, campagne, action, version="abc")
    response = client.post(url(campagne, action), data)
    assert response.status_code == 200
    assert (
        "Ce formulaire ne précise pas la version qu'il modifie : rien n'a été enregistré."
        in texte(response).replace("&#x27;", "'")
    )
    assert not Evaluation.objects.exists()


# --- Two agents, one evaluation -----------------------------------------------------------


@pytest.fixture
def deux_agents(db, client):
    premier = AgentFactory(username="agent-1", first_name="Agent", last_name="CCAS")
    second = AgentFactory(username="agent-2", first_name="Bernard", last_name="Second")
    onglet_2 = client.__class__()
    client.force_login(premier)
    onglet_2.force_login(second)
    return client, onglet_2, premier, second


def _quand(date: datetime.datetime) -> str:
    local = timezone.localtime(date)
    return f"le {local:%d/%m/%Y} à {local:%H:%M}"


def test_second_save_of_the_same_version_is_refused_then_accepted(
    deux_agents, campagne, action, indicateurs
):
    onglet_1, onglet_2, premier, second = deux_agents
    # Opening the campaign prepared an empty evaluation (version 1).
    EvaluationFactory(campagne=campagne, action=action, appreciation="", taux_realisation=0)
    data_1 = formulaire_rempli(onglet_1, campagne, action, taux_realisation="30")
    data_2 = formulaire_rempli(
        onglet_2,
        campagne,
        action,
        taux_realisation="80",
        realise="Saisie du second agent.",
        statut=StatutAction.REPORTEE,
        nouvelle_echeance="2026-06-30",
    )
    assert data_1["version"] == data_2["version"] == "1"
    data_1[nom_mesure(indicateurs[0])] = "21"
    data_2[nom_mesure(indicateurs[0])] = "35"
    assert onglet_1.post(url(campagne, action), data_1).status_code == 302

    refus = onglet_2.post(url(campagne, action), data_2)

    assert refus.status_code == 409
    html = texte(refus).replace("&#x27;", "'")
    enregistrement = Evaluation.history.order_by("-history_id").first()
    assert (
        f"Cette évaluation a été enregistrée par Agent CCAS {_quand(enregistrement.history_date)} "
        "pendant que vous la modifiiez. Rien n'a été enregistré de votre côté : vos saisies sont "
        "conservées ci-dessous. Comparez-les avec ce qui a été enregistré, puis enregistrez à "
        "nouveau pour les confirmer."
    ) in html
    # What the first agent saved, field by field and per indicator.
    assert '<tr><th scope="row">Taux de réalisation (%)</th><td>0</td><td>30</td></tr>' in html
    assert (
        '<tr><th scope="row">« Personnes visitées » : valeur réalisée</th><td>(vide)</td>'
        "<td>21,00</td></tr>"
    ) in html
    # The second agent's input is still there, bound to the current version.
    assert 'value="80"' in html and "Saisie du second agent." in html
    assert f'name="{nom_mesure(indicateurs[0])}" value="35"' in html
    assert '<input type="hidden" name="version" value="2"' in html
    # Nothing of the refused save was kept: evaluation, mesures, fiche.
    evaluation = Evaluation.objects.get()
    assert (evaluation.taux_realisation, evaluation.version, evaluation.auteur) == (30, 2, premier)
    assert Mesure.objects.get(indicateur=indicateurs[0]).valeur_realisee == Decimal("21")
    action.refresh_from_db()
    assert (action.statut, action.version) == (StatutAction.EN_COURS, 1)

    # Having seen the conflict, the second agent saves again and knowingly overwrites.
    accepte = onglet_2.post(url(campagne, action), donnees_du_formulaire(refus))

    assert accepte.status_code == 302
    evaluation.refresh_from_db()
    assert (evaluation.taux_realisation, evaluation.version, evaluation.auteur) == (80, 3, second)
    assert Mesure.objects.get(indicateur=indicateurs[0]).valeur_realisee == Decimal("35")
    action.refresh_from_db()
    assert (action.statut, action.echeance) == (StatutAction.REPORTEE, datetime.date(2026, 6, 30))


def test_first_evaluation_created_by_someone_else_in_between_is_a_conflict(
    deux_agents, campagne, action, indicateurs
):
    onglet_1, onglet_2, premier, second = deux_agents
    data_1 = formulaire_rempli(onglet_1, campagne, action, taux_realisation="30")
    data_2 = formulaire_rempli(onglet_2, campagne, action, taux_realisation="80")
    assert data_1["version"] == data_2["version"] == "0"
    assert onglet_1.post(url(campagne, action), data_1).status_code == 302

    refus = onglet_2.post(url(campagne, action), data_2)

    assert refus.status_code == 409
    html = texte(refus).replace("&#x27;", "'")
    assert (
        "Cette action a déjà une évaluation dans cette campagne. Cette évaluation a été "
        "enregistrée par Agent CCAS le "
    ) in html
    assert '<input type="hidden" name="version" value="1"' in html
    assert Evaluation.objects.get().taux_realisation == 30
    assert onglet_2.post(url(campagne, action), donnees_du_formulaire(refus)).status_code == 302
    assert Evaluation.objects.get().taux_realisation == 80


def test_two_first_evaluations_saved_at_once_the_second_is_a_conflict_not_a_500(
    client, agent, campagne, action, indicateurs
):
    """Both agents found no evaluation; the other one's INSERT lands just before this one's:
    the unique constraint refuses it and nothing of it is kept."""
    premier = AgentFactory(username="agent-1", first_name="Agent", last_name="CCAS")
    client.force_login(agent)
    data = formulaire_rempli(
        client, campagne, action, taux_realisation="80", statut=StatutAction.REPORTEE
    )
    data[nom_mesure(indicateurs[0])] = "35"
    valides = evaluation_views._valides
    autres = []

    def creee_entre_temps(form, formset):
        """The view read no evaluation; the other agent's transaction commits now."""
        if not autres:
            autre = Evaluation(campagne=campagne, action=action, taux_realisation=30)
            autre.appreciation = Appreciation.ATTEINT
            autre.auteur = premier
            autre._history_user = premier
            autre.save()
            autres.append(autre)
        return valides(form, formset)

    with mock.patch.object(evaluation_views, "_valides", creee_entre_temps):
        refus = client.post(url(campagne, action), data)

    assert refus.status_code == 409
    html = texte(refus).replace("&#x27;", "'")
    assert (
        "Cette action a déjà une évaluation dans cette campagne. Cette évaluation a été "
        "enregistrée par Agent CCAS"
    ) in html
    assert 'value="80"' in html and f'name="{nom_mesure(indicateurs[0])}" value="35"' in html
    # Only the other agent's evaluation exists; no mesure, no change of the fiche.
    evaluation = Evaluation.objects.get()
    assert evaluation.taux_realisation == 30
    assert not Mesure.objects.exists()
    action.refresh_from_db()
    assert (action.statut, action.version) == (StatutAction.EN_COURS, 1)

    accepte = client.post(url(campagne, action), donnees_du_formulaire(refus))

    assert accepte.status_code == 302
    evaluation.refresh_from_db()
    assert (evaluation.taux_realisation, evaluation.auteur) == (80, agent)
    assert Mesure.objects.get(indicateur=indicateurs[0]).valeur_realisee == Decimal("35")


def test_fiche_edited_during_the_save_refuses_everything(
    client, agent, campagne, action, indicateurs
):
    """Someone saves the fiche between this request's read and its write: the evaluation
    would carry a statut over to a fiche it did not see; nothing is kept, the input is."""
    client.force_login(agent)
    data = formulaire_rempli(client, campagne, action, statut=StatutAction.REPORTEE)
    data[nom_mesure(indicateurs[0])] = "35"
    valides = evaluation_views._valides
    fait = []

    def fiche_modifiee_entre_temps(form, formset):
        if not fait:
            autre = Action.objects.get(pk=action.pk)
            autre.intitule = "Visites et appels de convivialité"
            autre.save_versioned(autre.version)
            fait.append(True)
        return valides(form, formset)

    with mock.patch.object(evaluation_views, "_valides", fiche_modifiee_entre_temps):
        refus = client.post(url(campagne, action), data)

    assert refus.status_code == 409
    html = texte(refus).replace("&#x27;", "'")
    assert "La fiche action vient d'être modifiée par quelqu'un d'autre : rien n'a été " in html
    assert f'name="{nom_mesure(indicateurs[0])}" value="35"' in html
    assert '<option value="reportee" selected>' in html
    assert not Evaluation.objects.exists() and not Mesure.objects.exists()
    action.refresh_from_db()
    assert (action.statut, action.version) == (StatutAction.EN_COURS, 2)

    assert client.post(url(campagne, action), donnees_du_formulaire(refus)).status_code == 302
    action.refresh_from_db()
    assert (action.statut, action.intitule) == (
        StatutAction.REPORTEE,
        "Visites et appels de convivialité",
    )


# --- Going through the actions of the campaign ----------------------------------------------


@pytest.fixture
def plan(objectif, action, campagne):
    """The campaign's actions in code order: 1.1.1 (to evaluate), 2.3.1 (evaluated),
    2.3.2 (``action``), 2.3.3 (abandoned before the campaign: not concerned), 2.3.4 (its
    prepared evaluation is empty), 2.3.5 (evaluated)."""
    premiere = ActionFactory(
        objectif=ObjectifFactory(axe=AxeFactory(projet=objectif.axe.projet, numero=1), numero=1),
        numero=1,
        intitule="Permanences d'accès aux droits",
    )
    evaluee = ActionFactory(objectif=objectif, numero=1, intitule="Café des aidants")
    EvaluationFactory(campagne=campagne, action=evaluee)
    abandonnee = ActionFactory(objectif=objectif, numero=3, abandonnee=True)
    preparee = ActionFactory(objectif=objectif, numero=4, intitule="Jardins partagés")
    EvaluationFactory(campagne=campagne, action=preparee, appreciation="", taux_realisation=0)
    derniere = ActionFactory(objectif=objectif, numero=5)
    EvaluationFactory(campagne=campagne, action=derniere)
    return {
        "premiere": premiere,
        "evaluee": evaluee,
        "abandonnee": abandonnee,
        "preparee": preparee,
        "derniere": derniere,
    }


def test_links_browse_the_neighbours_without_saving(client, elu, campagne, action, plan):
    client.force_login(elu)
    html = texte(client.get(url(campagne, action)))
    assert f'<a href="{url(campagne, plan["evaluee"])}" rel="prev">' in html
    assert "Action précédente (numéro) : 2.3.1 Café des aidants" in html
    assert f'<a href="{url(campagne, plan["abandonnee"])}" rel="next">' in html
    assert 'rel="prev"' not in texte(client.get(url(campagne, plan["premiere"])))
    assert 'rel="next"' not in texte(client.get(url(campagne, plan["derniere"])))


def test_save_and_next_goes_through_what_is_left_then_back_to_the_campaign(
    client, agent, campagne, action, plan
):
    client.force_login(agent)

    # From 2.3.2: 2.3.3 is abandoned (not concerned), 2.3.4 is only prepared: next.
    data = formulaire_rempli(client, campagne, action, apres="suivante")
    response = client.post(url(campagne, action), data)
    assert response.status_code == 302
    assert response["Location"] == url(campagne, plan["preparee"])
    assert messages_de(response) == [
        "Évaluation de 2.3.2 « Visites de convivialité » enregistrée. Il reste 2 actions à évaluer."
    ]

    # From 2.3.4: 2.3.5 is evaluated; start again from the top: 1.1.1.
    data = formulaire_rempli(client, campagne, plan["preparee"], apres="suivante")
    response = client.post(url(campagne, plan["preparee"]), data)
    assert response["Location"] == url(campagne, plan["premiere"])

    # 1.1.1 was the last one left.
    data = formulaire_rempli(client, campagne, plan["premiere"], apres="suivante")
    response = client.post(url(campagne, plan["premiere"]), data)
    assert response.status_code == 302
    assert response["Location"] == reverse("evaluations:campagne", kwargs={"pk": campagne.pk})
    assert messages_de(response) == [
        f"Évaluation de 1.1.1 « {plan['premiere'].intitule} » enregistrée. "
        "Toutes les actions du Bilan 2025 sont évaluées."
    ]
    assert Evaluation.objects.filter(campagne=campagne).saisies().count() == 5


def test_save_stays_on_the_evaluation(client, agent, campagne, action, plan):
    client.force_login(agent)
    data = formulaire_rempli(client, campagne, action, apres="rester")
    response = client.post(url(campagne, action), data, follow=True)
    assert response.redirect_chain == [(url(campagne, action), 302)]
    assert "Évaluation de 2.3.2 « Visites de convivialité » enregistrée." in texte(response)
    assert response.context["evaluation"].est_saisie


def test_evaluating_an_abandoned_action_then_next_skips_it_afterwards(
    client, agent, campagne, action, plan
):
    """An action abandoned before the campaign may still be evaluated on purpose."""
    client.force_login(agent)
    data = formulaire_rempli(
        client,
        campagne,
        plan["abandonnee"],
        apres="suivante",
        motif_abandon="Besoin couvert par un partenaire.",
    )
    assert data["statut"] == StatutAction.ABANDONNEE
    response = client.post(url(campagne, plan["abandonnee"]), data)
    assert response["Location"] == url(campagne, plan["preparee"])


# --- A closed campaign is frozen ------------------------------------------------------------


def test_closed_campaign_is_read_only_and_refuses_a_forged_post(
    client, agent, bilan_2024, action, indicateurs
):
    client.force_login(agent)

    page = client.get(url(bilan_2024, action))

    assert page.status_code == 200
    html = texte(page)
    assert page.context["form"] is None
    assert "evaluation-form" not in html and "Enregistrer" not in html
    assert "Ce bilan est clos : ses évaluations ne sont plus modifiables." in html
    assert "Dix visites en 2024." in html
    assert '12 <span class="small text-body-secondary">(30 %)</span>' in html
    assert "La fiche à la clôture du bilan" in html

    evaluation = Evaluation.objects.get(campagne=bilan_2024)
    data = {
        "version": str(evaluation.version),
        "statut": StatutAction.REALISEE,
        "taux_realisation": "100",
        "appreciation": Appreciation.ATTEINT,
        "mesures-TOTAL_FORMS": "2",
        "mesures-INITIAL_FORMS": "2",
        nom_mesure(indicateurs[0]): "99",
    }
    response = client.post(url(bilan_2024, action), data)

    assert response.status_code == 403
    evaluation.refresh_from_db()
    assert (evaluation.taux_realisation, evaluation.version) == (40, 1)
    assert not Mesure.objects.filter(valeur_realisee=99).exists()
    action.refresh_from_db()
    assert (action.statut, action.version) == (StatutAction.EN_COURS, 1)


def test_closed_campaign_shows_the_fiche_as_it_was_when_it_closed(client, elu, projet, action):
    action.intitule = "Visites de convivialité (2024)"
    action.save_versioned(action.version)
    close = CampagneFactory(projet=projet, annee=2024)
    close.clore(None)  # the action not evaluated: its row records the fiche as it was
    action.intitule = "Visites et appels de convivialité"
    action.statut = StatutAction.REALISEE
    action.save_versioned(action.version)
    client.force_login(elu)

    html = texte(client.get(url(close, action))).replace("&#x27;", "'")

    assert "Évaluation de l'action 2.3.2 : Visites de convivialité (2024)" in html
    assert "statut-en_cours" in html and "statut-realisee" not in html
    assert "Cette action n'a pas été évaluée lors du Bilan 2024." in html


# --- The fiche, year over year ----------------------------------------------------------------


def test_fiche_shows_the_evaluations_of_every_year_and_the_indicators_by_year(
    client, agent, campagne, bilan_2024, action, indicateurs
):
    evaluation = EvaluationFactory(
        campagne=campagne,
        action=action,
        taux_realisation=75,
        appreciation=Appreciation.ATTEINT,
        realise="Trente visites en 2025.",
        reajustements="Ouvrir aux appels téléphoniques.",
    )
    MesureFactory(evaluation=evaluation, indicateur=indicateurs[0], valeur_realisee=30)
    client.force_login(agent)

    html = texte(client.get(reverse("actions:detail", args=[action.pk])))

    # The timeline, newest first: year, taux bar, appréciation, réalisé, réajustements.
    frise = html[html.index('<ol class="list-unstyled evaluations-frise') :]
    frise = frise[: frise.index("</ol>")]
    assert frise.index(">2025</h3>") < frise.index(">2024</h3>")
    assert 'aria-valuenow="75"' in frise and 'aria-valuenow="40"' in frise
    assert "Atteint" in frise and "Partiellement atteint" in frise
    assert "Trente visites en 2025." in frise and "Ouvrir aux appels téléphoniques." in frise
    assert "Dix visites en 2024." in frise and "Recruter des bénévoles." in frise
    assert "bilan clos" in frise
    # The open campaign's button: the action is evaluated, so « Modifier l'évaluation ».
    bouton = f'<a class="btn btn-sm btn-primary" href="{url(campagne, action)}">'
    assert f"{bouton}Modifier l'évaluation <span" in html
    assert url(bilan_2024, action) not in html  # a closed campaign is not evaluated any more
    # Indicators × years, against the target.
    tableau = html[
        html.index('<table class="table table-sm align-middle indicateurs-par-annee">') :
    ]
    tableau = tableau[: tableau.index("</table>")]
    assert (
        '<th scope="col" class="text-end">2024</th><th scope="col" class="text-end">2025</th>'
        in tableau
    )
    lignes = tableau.split("<tr>")
    visites = next(ligne for ligne in lignes if "Personnes visitées" in ligne)
    assert (
        '<td class="text-end text-nowrap">12<span class="d-block small text-body-secondary">'
        "30 %</span></td>"
    ) in visites
    assert '30<span class="d-block small text-body-secondary">75 %</span>' in visites
    benevoles = next(ligne for ligne in lignes if "Bénévoles formés" in ligne)
    assert '<td class="text-end text-nowrap">—</td>' in benevoles  # not measured in 2025
    assert '5<span class="d-block small text-body-secondary">33 %</span>' in benevoles


def test_fiche_offers_to_evaluate_an_action_without_evaluation(client, pilote, campagne, action):
    client.force_login(pilote)
    html = texte(client.get(reverse("actions:detail", args=[action.pk])))
    assert (
        f'href="{url(campagne, action)}">Évaluer <span class="fw-normal">(Bilan 2025)</span>'
        in html
    )


def test_fiche_has_no_evaluate_button_for_an_elu(client, elu, campagne, action):
    client.force_login(elu)
    html = texte(client.get(reverse("actions:detail", args=[action.pk])))
    assert url(campagne, action) not in html
    assert "Cette action n&#x27;a pas encore été évaluée." in html.replace("'", "&#x27;")


# --- Query counts -----------------------------------------------------------------------------


def _action_mesuree(objectif, numero: int, nb_indicateurs: int, campagnes) -> tuple:
    """An action with ``nb_indicateurs`` indicators, evaluated and measured in ``campagnes``."""
    action = ActionFactory(objectif=objectif, numero=numero)
    indicateurs = IndicateurFactory.create_batch(nb_indicateurs, action=action)
    for campagne in campagnes:
        evaluation = EvaluationFactory(campagne=campagne, action=action)
        for indicateur in indicateurs:
            MesureFactory(evaluation=evaluation, indicateur=indicateur)
    return action, indicateurs


@pytest.fixture
def petite_et_grande(projet, objectif, campagne):
    """3 and 30 indicators, each action evaluated in 4 past campaigns and prepared in this one."""
    passees = [CampagneFactory(projet=projet, annee=2020 + i) for i in range(4)]
    petite = _action_mesuree(objectif, 1, 3, passees)
    grande = _action_mesuree(objectif, 2, 30, passees)
    for passee in passees:
        passee.clore(None)
    for autre, _ in (petite, grande):
        EvaluationFactory(campagne=campagne, action=autre, appreciation="", taux_realisation=0)
    return petite, grande


def test_form_query_count_does_not_grow(
    client, agent, campagne, petite_et_grande, django_assert_num_queries
):
    (petite, _), (grande, _) = petite_et_grande
    client.force_login(agent)
    # The first page after the plan changed: 1 session, 2 user, 3 the plan's generation,
    # 4 projet courant, 5 campagne, 6 action with objectif, axe, pilote, 7-8
    # change_evaluation permission (user's, groups'), 9 indicators, 10 this year's and the
    # previous evaluation with campagne and auteur, 11 their mesures, 12 the plan's fiches in
    # code order (the previous and the next fiche, as on the fiche page), 13 the next action
    # still to evaluate.
    with django_assert_num_queries(13):
        client.get(url(campagne, petite))
    # The plan unchanged, the process kept 4, 7-8 and 12.
    with django_assert_num_queries(9):
        response = client.get(url(campagne, grande))
    assert len(response.context["formset"].forms) == 30
    assert all(ligne["precedente"] is not None for ligne in response.context["lignes"])


def test_save_query_count_does_not_grow(
    client, agent, campagne, petite_et_grande, django_assert_num_queries
):
    """Saving again an evaluation with its mesures, and carrying it over to the fiche."""
    client.force_login(agent)
    envois = []
    for action, indicateurs in petite_et_grande:
        premier = formulaire_rempli(client, campagne, action)
        assert client.post(url(campagne, action), premier).status_code == 302
        data = formulaire_rempli(
            client,
            campagne,
            action,
            statut=StatutAction.REPORTEE,
            nouvelle_echeance="2031-06-30",
            apres="suivante",
        )
        for rang, indicateur in enumerate(indicateurs):
            data[nom_mesure(indicateur)] = str(rang)
        envois.append((action, data))
    # 1 session, 2 user, 3 the plan's generation (a POST reads it for each thing the
    # process keeps: here the projet courant), 4 campagne, 5 action, 6 the generation again
    # (the permissions, kept), 7 indicators, 8 evaluations, 9 mesures, 10-12 and 13-15 the
    # two taux check constraints (0 to 100, réalisée = 100: model validation, each in its
    # savepoint); 16 savepoint of the whole save, 17 the campaign row locked (refused if
    # closed), 18-22 the evaluation (savepoint, version bump, row, history, release), 23 the
    # mesures updated in bulk, 24 their history in bulk, 25-31 the fiche (savepoint, version
    # bump, row, history, the publics and the besoins its history record holds, release),
    # 32 release; 33 the count of actions left to evaluate (the message), 34 the next action
    # to evaluate (for « enregistrer et passer à la suivante à évaluer »).
    for action, data in envois:
        client.get(url(campagne, action))  # the form opened, as by its user, then sent
        with django_assert_num_queries(34):
            response = client.post(url(campagne, action), data)
        assert response.status_code == 302
    assert Mesure.objects.filter(evaluation__campagne=campagne).count() == 33
    assert Mesure.objects.filter(evaluation__campagne=campagne, valeur_realisee=2).count() == 2
    assert Action.objects.filter(echeance=datetime.date(2031, 6, 30)).count() == 2


def test_creation_query_count_does_not_grow(
    client, agent, projet, objectif, campagne, django_assert_num_queries
):
    passees = [CampagneFactory(projet=projet, annee=2020 + i) for i in range(3)]
    envois = [_action_mesuree(objectif, numero, n, passees) for numero, n in ((1, 3), (2, 30))]
    for passee in passees:
        passee.clore(None)
    client.force_login(agent)
    # 1 session, 2 user, 3 the plan's generation (the projet courant, kept), 4 campagne,
    # 5 action, 6 the generation again (the permissions, kept), 7 indicators, 8 evaluations
    # (none this year), 9 their mesures, 10-12 and 13-15 the two taux check constraints
    # (each in its savepoint); 16 savepoint of the whole save, 17 the campaign row locked,
    # 18 evaluation, 19 its history, 20 the mesures created in bulk, 21 their history in
    # bulk, 22 release, 23 the count of actions left to evaluate.
    for action, indicateurs in envois:
        data = formulaire_rempli(client, campagne, action)
        for indicateur in indicateurs:
            data[nom_mesure(indicateur)] = "1"
        with django_assert_num_queries(23):
            assert client.post(url(campagne, action), data).status_code == 302
    assert Mesure.objects.filter(evaluation__campagne=campagne).count() == 33


def test_fiche_query_count_with_the_evaluate_button_does_not_grow(
    client, agent, campagne, petite_et_grande, django_assert_num_queries
):
    (petite, _), (grande, _) = petite_et_grande
    client.force_login(agent)
    # The first page after the plan changed: 1 session, 2 user, 3 the plan's generation,
    # 4 projet courant, 5 the latest review, 6 the fiche (objective, axe, pilote) with its
    # avancement in that review, 7 publics, 8 besoins, 9 partners, 10 indicators, 11 steps,
    # 12 budget, 13-14 permissions, 15 its evaluations (with their campaign), 16 their
    # mesures, 17 the plan's fiches in code order (the previous and next fiches), 18 the
    # open campaigns of the projet (the « Évaluer » buttons of those who may evaluate),
    # 19 the last records of its history (factory rows name no user: no query for their
    # names).
    with django_assert_num_queries(19):
        client.get(reverse("actions:detail", args=[petite.pk]))
    # The plan unchanged, the process kept 4-5, 13-14 and 17-18.
    with django_assert_num_queries(13):
        response = client.get(reverse("actions:detail", args=[grande.pk]))
    tableau = response.context["indicateurs_par_annee"]
    assert [c.annee for c in tableau["campagnes"]] == [2020, 2021, 2022, 2023, 2025]
    assert len(tableau["lignes"]) == 30
    assert all(ligne["mesures"][0] is not None for ligne in tableau["lignes"])
    assert f'href="{url(campagne, grande)}">Évaluer' in texte(response)


# --- The form's words and marks (issue 11) --------------------------------------------------


def test_message_names_the_action_and_counts_what_is_left(client, agent, campagne, action, plan):
    client.force_login(agent)
    a_evaluer_avant = a_evaluer(Action.objects.du_projet(campagne.projet_id), campagne).count()
    data = formulaire_rempli(client, campagne, action, apres="rester")

    response = client.post(url(campagne, action), data)

    restantes = a_evaluer_avant - 1  # this one is evaluated now
    assert restantes > 1
    assert messages_de(response) == [
        f"Évaluation de {action.code} « {action.intitule} » enregistrée. "
        f"Il reste {restantes} actions à évaluer."
    ]
    # The count is the review page's « à évaluer ».
    page = client.get(reverse("evaluations:campagne", kwargs={"pk": campagne.pk}))
    assert page.context["a_evaluer"] == restantes


def test_navigation_names_apart_next_by_number_and_next_to_evaluate(
    client, agent, campagne, action, plan
):
    client.force_login(agent)
    page = lire_page(client.get(url(campagne, action)))
    nav = [e for e in page.tous() if e.attrs.get("aria-label") == "Autres actions du bilan"][0]
    liens = {pages_texte(e): e.attrs["href"] for e in nav.tous() if e.tag == "a"}
    # By number, 2.3.3 follows 2.3.2; the next still to evaluate is 2.3.4 (2.3.3 is abandoned).
    assert liens == {
        "← Action précédente (numéro) : 2.3.1 Café des aidants": url(campagne, plan["evaluee"]),
        f"Suivante à évaluer : 2.3.4 {plan['preparee'].intitule}": url(campagne, plan["preparee"]),
        f"Action suivante (numéro) : 2.3.3 {plan['abandonnee'].intitule} →": url(
            campagne, plan["abandonnee"]
        ),
    }
    boutons = [pages_texte(e) for e in page.tous() if e.tag == "button" and e.attrs.get("name")]
    assert boutons == ["Enregistrer", "Enregistrer et passer à la suivante à évaluer"]


@pytest.mark.parametrize(
    ("statut", "cache"), [(StatutAction.EN_COURS, True), (StatutAction.ABANDONNEE, False)]
)
def test_motif_shows_only_for_an_abandon(client, agent, campagne, action, statut, cache):
    Action.objects.filter(pk=action.pk).update(
        statut=statut, motif_abandon="" if cache else "Plus de bénévoles."
    )
    client.force_login(agent)
    page = lire_page(client.get(url(campagne, action)))
    bloc = [e for e in page.tous() if e.attrs.get("data-selon-valeur") == "abandonnee"]
    assert len(bloc) == 1
    assert ("hidden" in bloc[0].attrs) is cache
    assert bloc[0].attrs["data-selon-champ"] == "id_statut"


def test_error_summary_links_to_an_indicator_value_and_keeps_the_input(
    client, agent, campagne, action, indicateurs
):
    client.force_login(agent)
    data = formulaire_rempli(client, campagne, action, points_forts="Des bénévoles fidèles.")
    data[nom_mesure(indicateurs[0])] = "-3"
    data["taux_realisation"] = "150"

    response = client.post(url(campagne, action), data)

    assert response.status_code == 200
    page = lire_page(response)
    resume = par_id(page, "resume-erreurs")
    assert resume.attrs["role"] == "alert" and resume.attrs["tabindex"] == "-1"
    ancre = f"id_{nom_mesure(indicateurs[0])}"
    liens = {e.attrs["href"]: pages_texte(e) for e in resume.tous() if e.tag == "a"}
    assert liens == {
        "#id_taux_realisation": (
            "Taux de réalisation (%) : Le taux de réalisation doit être compris entre 0 et 100."
        ),
        f"#{ancre}": (
            f"Indicateur « {indicateurs[0].libelle} » : Valeur réalisée : "
            "La valeur réalisée ne peut pas être négative."
        ),
    }
    for ident, message in (
        ("id_taux_realisation", "Le taux de réalisation doit être compris entre 0 et 100."),
        (ancre, "La valeur réalisée ne peut pas être négative."),
    ):
        champ = par_id(page, ident)
        assert champ.attrs["aria-invalid"] == "true"
        # Every description it names exists; one of them is its error message.
        descriptions = [
            pages_texte(par_id(page, d)) for d in champ.attrs["aria-describedby"].split()
        ]
        assert any(message in description for description in descriptions)
    assert par_id(page, "id_taux_realisation").attrs["value"] == "150"
    assert par_id(page, ancre).attrs["value"] == "-3"
    assert pages_texte(par_id(page, "id_points_forts")) == "Des bénévoles fidèles."
    assert not Evaluation.objects.exists()
