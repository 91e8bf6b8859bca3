"""« À faire » of a pilote (projet_social/views/a_faire.py): the evaluations to fill in for
the open review, the late actions, the steps due soon or overdue, and the partial showing
them (templates/includes/_a_faire.html)."""

import datetime

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from pytest_django.asserts import assertInHTML

from actions.enums import StatutAction
from evaluations.enums import Appreciation
from evaluations.models import Campagne
from projet_social.views.a_faire import AFaire, Tache, a_faire
from tests.actions.factories import ActionFactory, EtapeFactory
from tests.axes.factories import AxeFactory, ObjectifFactory, ProjetSocialFactory
from tests.evaluations.factories import CampagneFactory, EvaluationFactory
from tests.factories_utilisateurs import AgentFactory

AUJOURDHUI = datetime.date(2025, 3, 10)


def jours(n: int) -> datetime.date:
    return AUJOURDHUI + datetime.timedelta(days=n)


def fiche(action) -> str:
    return reverse("actions:detail", args=[action.pk])


def evaluer(campagne, action) -> str:
    return reverse("evaluations:evaluer", args=[campagne.pk, action.pk])


@pytest.fixture
def campagne(projet):
    return CampagneFactory(projet=projet, annee=2024)


@pytest.fixture
def situation(objectif, pilote, campagne):
    """The pilote's fiches, and a colleague's, in every case the lists sort out."""
    # To evaluate: its evaluation was prepared when the review opened, and left empty.
    a_evaluer = ActionFactory(
        objectif=objectif, numero=1, pilote=pilote, echeance=datetime.date(2026, 12, 31)
    )
    EvaluationFactory(campagne=campagne, action=a_evaluer, appreciation="", taux_realisation=0)
    # Late, and already evaluated in the review.
    en_retard = ActionFactory(
        objectif=objectif, numero=2, pilote=pilote, echeance=datetime.date(2025, 1, 31)
    )
    EvaluationFactory(campagne=campagne, action=en_retard, appreciation=Appreciation.NON_ATTEINT)
    # Abandoned: neither to evaluate nor late, and its steps are not to do any more.
    abandonnee = ActionFactory(
        objectif=objectif, numero=3, pilote=pilote, abandonnee=True, echeance=jours(-100)
    )
    EtapeFactory(action=abandonnee, libelle="Étape d'une action abandonnée", echeance=jours(-5))

    dans_10_jours = EtapeFactory(action=a_evaluer, libelle="Recruter", echeance=jours(10))
    EtapeFactory(action=a_evaluer, libelle="Dans 40 jours", echeance=jours(40))
    depassee = EtapeFactory(action=en_retard, libelle="Former", echeance=jours(-3))
    EtapeFactory(action=en_retard, libelle="Déjà faite", echeance=jours(-20), faite=True)
    EtapeFactory(action=a_evaluer, libelle="Sans échéance", echeance=None)

    # A colleague's fiche: late, not evaluated, a step due tomorrow. Never the pilote's.
    collegue = ActionFactory(objectif=objectif, numero=4, pilote=AgentFactory(), echeance=jours(-1))
    EtapeFactory(action=collegue, libelle="Étape d'un collègue", echeance=jours(1))
    # A fiche of an older plan, late, piloted by the same pilote: not of this projet.
    ancien = ProjetSocialFactory(annee_debut=2017, annee_fin=2020)
    autre_plan = ActionFactory(
        objectif=ObjectifFactory(axe=AxeFactory(projet=ancien)),
        pilote=pilote,
        echeance=jours(-1),
    )
    EtapeFactory(action=autre_plan, libelle="Étape d'un autre plan", echeance=jours(2))
    return {
        "a_evaluer": a_evaluer,
        "en_retard": en_retard,
        "dans_10_jours": dans_10_jours,
        "depassee": depassee,
        "collegue": collegue,
    }


def test_the_pilote_gets_exactly_their_three_lists(projet, pilote, campagne, situation):
    a_evaluer, en_retard = situation["a_evaluer"], situation["en_retard"]

    resultat = a_faire(pilote, projet, campagne, aujourdhui=AUJOURDHUI)

    assert resultat.campagne == campagne
    assert resultat.evaluations == [
        Tache("2.3.1", a_evaluer.intitule, evaluer(campagne, a_evaluer), a_evaluer.echeance)
    ]
    assert resultat.en_retard == [
        Tache("2.3.2", en_retard.intitule, fiche(en_retard), datetime.date(2025, 1, 31))
    ]
    # By échéance: the overdue step first, marked so; not the one in 40 days, nor the done one.
    assert resultat.etapes == [
        Tache(
            "2.3.2",
            en_retard.intitule,
            fiche(en_retard) + "#calendrier",
            jours(-3),
            etape="Former",
            en_retard=True,
        ),
        Tache(
            "2.3.1",
            a_evaluer.intitule,
            fiche(a_evaluer) + "#calendrier",
            jours(10),
            etape="Recruter",
            en_retard=False,
        ),
    ]
    assert not resultat.vide


def test_a_step_due_on_the_last_day_of_the_window_is_listed(projet, pilote, action):
    EtapeFactory(action=action, libelle="Le 30e jour", echeance=jours(30))
    EtapeFactory(action=action, libelle="Le 31e jour", echeance=jours(31))
    EtapeFactory(action=action, libelle="Aujourd'hui", echeance=AUJOURDHUI)

    etapes = a_faire(pilote, projet, None, aujourdhui=AUJOURDHUI).etapes

    assert [(e.etape, e.en_retard) for e in etapes] == [
        ("Aujourd'hui", False),
        ("Le 30e jour", False),
    ]


def test_another_users_actions_never_appear(projet, campagne, situation):
    collegue = situation["collegue"]
    autre = AgentFactory()  # pilots nothing

    assert a_faire(autre, projet, campagne, aujourdhui=AUJOURDHUI) == AFaire(campagne=campagne)

    du_collegue = a_faire(collegue.pilote, projet, campagne, aujourdhui=AUJOURDHUI)
    assert [t.url for t in du_collegue.evaluations] == [evaluer(campagne, collegue)]
    assert [t.url for t in du_collegue.en_retard] == [fiche(collegue)]
    assert [t.etape for t in du_collegue.etapes] == ["Étape d'un collègue"]


def test_without_an_open_review_there_is_nothing_to_evaluate(projet, pilote, situation):
    sans_bilan = a_faire(pilote, projet, None, aujourdhui=AUJOURDHUI)
    close = CampagneFactory(projet=projet, annee=2023, close=True)
    bilan_clos = a_faire(pilote, projet, close, aujourdhui=AUJOURDHUI)

    for resultat in (sans_bilan, bilan_clos):
        assert resultat.campagne is None
        assert resultat.evaluations == []
        assert [t.code for t in resultat.en_retard] == ["2.3.2"]


# --- A fixed number of queries ------------------------------------------------------------


def _fiches(objectif, pilote, campagne, nombre: int, debut: int) -> dict[str, int]:
    """``nombre`` fiches of ``pilote``, one in two late and one in three evaluated, each with
    a step due in 10 days, an overdue one and a done one; returns the counts expected."""
    attendus = {"evaluations": 0, "en_retard": 0, "etapes": 0}
    for i in range(nombre):
        retard = i % 2 == 0
        evaluee = i % 3 == 0
        action = ActionFactory(
            objectif=objectif,
            numero=debut + i,
            pilote=pilote,
            statut=StatutAction.EN_COURS,
            echeance=jours(-30) if retard else jours(300),
        )
        if evaluee:
            EvaluationFactory(campagne=campagne, action=action)
        EtapeFactory(action=action, echeance=jours(10))
        EtapeFactory(action=action, echeance=jours(-10))
        EtapeFactory(action=action, echeance=jours(-20), faite=True)
        attendus["evaluations"] += not evaluee
        attendus["en_retard"] += retard
        attendus["etapes"] += 2
    return attendus


def test_four_queries_whatever_the_number_of_fiches(
    projet, objectif, pilote, campagne, django_assert_num_queries
):
    attendus = _fiches(objectif, pilote, campagne, 3, debut=1)
    # 1 does the user pilot a fiche, 2 the fiches to evaluate in the review, 3 the late
    # fiches, 4 the steps with their fiche.
    with django_assert_num_queries(4):
        resultat = a_faire(pilote, projet, campagne, aujourdhui=AUJOURDHUI)
    assert {nom: len(getattr(resultat, nom)) for nom in attendus} == attendus

    plus = _fiches(objectif, pilote, campagne, 27, debut=4)
    attendus = {nom: attendus[nom] + plus[nom] for nom in attendus}
    with django_assert_num_queries(4):
        resultat = a_faire(pilote, projet, campagne, aujourdhui=AUJOURDHUI)
    assert (
        {nom: len(getattr(resultat, nom)) for nom in attendus}
        == attendus
        == {
            "evaluations": 20,
            "en_retard": 16,
            "etapes": 60,
        }
    )
    # Rendering reads nothing more.
    with django_assert_num_queries(0):
        render_to_string("includes/_a_faire.html", {"a_faire": resultat})


def test_one_query_for_a_user_who_pilots_nothing(
    projet, objectif, pilote, elu, campagne, django_assert_num_queries
):
    _fiches(objectif, pilote, campagne, 3, debut=1)
    with django_assert_num_queries(1):
        resultat = a_faire(elu, projet, campagne, aujourdhui=AUJOURDHUI)
    assert resultat.vide and resultat.campagne == campagne


# --- The partial --------------------------------------------------------------------------


def test_the_partial_links_each_item(projet, pilote, campagne, situation):
    a_evaluer, en_retard = situation["a_evaluer"], situation["en_retard"]
    html = render_to_string(
        "includes/_a_faire.html",
        {"a_faire": a_faire(pilote, projet, campagne, aujourdhui=AUJOURDHUI)},
    )

    assertInHTML('<h2 id="a-faire-titre" class="h4">À faire</h2>', html)
    assertInHTML(f'<a href="{evaluer(campagne, a_evaluer)}">2.3.1 {a_evaluer.intitule}</a>', html)
    assertInHTML(
        f'<li class="mb-1"><a href="{fiche(en_retard)}">2.3.2 {en_retard.intitule}</a> '
        '<span class="text-body-secondary">· échéance dépassée le '
        '<time datetime="2025-01-31">31/01/2025</time></span></li>',
        html,
    )
    assertInHTML(
        '<li class="mb-1"><span class="badge text-bg-danger retard">En retard</span> Former : '
        f'<a href="{fiche(en_retard)}#calendrier">2.3.2 {en_retard.intitule}</a> '
        '<span class="text-body-secondary">· échéance '
        '<time datetime="2025-03-07">07/03/2025</time></span></li>',
        html,
    )
    assertInHTML(f'<a href="{fiche(a_evaluer)}#calendrier">2.3.1 {a_evaluer.intitule}</a>', html)
    assert "20/03/2025" in html  # the step due in 10 days
    assert "Dans 40 jours" not in html and "Déjà faite" not in html
    assert html.count("<h3") == 3
    assert "Évaluations à saisir au Bilan 2024" in html
    assert "Rien à faire" not in html


def test_the_partial_says_when_there_is_nothing_to_do(projet, pilote):
    html = render_to_string(
        "includes/_a_faire.html", {"a_faire": a_faire(pilote, projet, None, AUJOURDHUI)}
    )

    assertInHTML('<p class="mb-0">Rien à faire pour l\'instant.</p>', html)
    assert "<h3" not in html and "<ul" not in html


def test_the_partial_says_which_list_is_empty(projet, pilote, action):
    EtapeFactory(action=action, libelle="Recruter", echeance=jours(5))

    html = render_to_string(
        "includes/_a_faire.html", {"a_faire": a_faire(pilote, projet, None, AUJOURDHUI)}
    )

    assert "Aucun bilan annuel n'est ouvert." in html
    assert "Aucune action en retard." in html
    assert html.count("<li") == 1


def test_the_open_review_to_pass_is_the_latest_open_one(projet):
    CampagneFactory(projet=projet, annee=2023)
    ouverte = CampagneFactory(projet=projet, annee=2024)
    CampagneFactory(projet=projet, annee=2025, close=True)
    CampagneFactory(projet=ProjetSocialFactory(annee_debut=2027, annee_fin=2030), annee=2027)

    assert Campagne.objects.derniere_ouverte(projet) == ouverte
