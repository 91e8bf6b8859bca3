"""Progress, lateness and counts, checked against figures computed by hand (DOMAIN.md rules)."""

import datetime

import pytest

from actions.enums import StatutAction
from actions.models import Action
from axes.models import Axe, Objectif
from tests.actions.factories import ActionFactory
from tests.axes.factories import AxeFactory, ObjectifFactory
from tests.evaluations.factories import CampagneFactory, EvaluationFactory


@pytest.fixture
def plan(projet):
    """Two axes, three objectives, seven actions, two campaigns.

    Campaign 2025 (the latest):
      O1.1: a1 100 %, a2 50 %, a3 not evaluated (counts 0)        -> 50
      O1.2: a4 20 %, a5 evaluated "abandonnée" at 80 % (left out) -> 20
      O2.1: a6 30 %, a7 abandoned fiche, not evaluated (left out) -> 30
      Axe 1 = (100 + 50 + 0 + 20) / 4 = 42.5 ; axe 2 = 30 ; projet = 200 / 5 = 40
    Campaign 2024: only a1 at 40 % -> O1.1 = 40 / 3, a5 counts (not abandoned then).
    """
    axe1 = AxeFactory(projet=projet, numero=1)
    axe2 = AxeFactory(projet=projet, numero=2)
    o11 = ObjectifFactory(axe=axe1, numero=1)
    o12 = ObjectifFactory(axe=axe1, numero=2)
    o21 = ObjectifFactory(axe=axe2, numero=1)
    a = {
        1: ActionFactory(objectif=o11, numero=1),
        2: ActionFactory(objectif=o11, numero=2),
        3: ActionFactory(objectif=o11, numero=3),
        4: ActionFactory(objectif=o12, numero=1),
        5: ActionFactory(objectif=o12, numero=2, abandonnee=True),
        6: ActionFactory(objectif=o21, numero=1),
        7: ActionFactory(objectif=o21, numero=2, abandonnee=True),
    }
    c2024 = CampagneFactory(projet=projet, annee=2024, close=True)
    c2025 = CampagneFactory(projet=projet, annee=2025)
    EvaluationFactory(campagne=c2024, action=a[1], taux_realisation=40)
    for n, taux in ((1, 100), (2, 50), (4, 20), (6, 30)):
        EvaluationFactory(campagne=c2025, action=a[n], taux_realisation=taux)
    EvaluationFactory(
        campagne=c2025, action=a[5], taux_realisation=80, statut=StatutAction.ABANDONNEE
    )
    # Another plan whose actions must never leak into this one's figures.
    autre = ActionFactory()
    EvaluationFactory(campagne=CampagneFactory(projet=autre.objectif.axe.projet), action=autre)
    return {
        "projet": projet,
        "axes": (axe1, axe2),
        "objectifs": (o11, o12, o21),
        "a": a,
        "c2024": c2024,
        "c2025": c2025,
    }


def test_objective_progress_by_hand(plan):
    o11, o12, o21 = plan["objectifs"]
    avancement = dict(
        Objectif.objects.du_projet(plan["projet"])
        .with_avancement(plan["c2025"])
        .values_list("pk", "avancement")
    )
    assert avancement[o11.pk] == pytest.approx(50)
    assert avancement[o12.pk] == pytest.approx(20)
    assert avancement[o21.pk] == pytest.approx(30)


def test_axe_and_projet_progress_weigh_each_action_the_same(plan):
    axe1, axe2 = plan["axes"]
    avancement = dict(
        Axe.objects.du_projet(plan["projet"])
        .with_avancement(plan["c2025"])
        .values_list("pk", "avancement")
    )
    assert avancement == {axe1.pk: pytest.approx(42.5), axe2.pk: pytest.approx(30)}
    assert plan["projet"].avancement(plan["c2025"]) == pytest.approx(40)
    par_axe = Action.objects.du_projet(plan["projet"]).avancement_par(
        "objectif__axe", plan["c2025"]
    )
    assert par_axe == {axe1.pk: pytest.approx(42.5), axe2.pk: pytest.approx(30)}


def test_projet_progress_defaults_to_latest_campaign(plan):
    assert plan["projet"].avancement() == pytest.approx(40)


def test_earlier_campaign_uses_its_own_evaluations(plan):
    o11, o12, _ = plan["objectifs"]
    avancement = dict(
        Objectif.objects.with_avancement(plan["c2024"]).values_list("pk", "avancement")
    )
    assert avancement[o11.pk] == pytest.approx(40 / 3)
    # a5 was not evaluated in 2024 and its fiche is abandoned today: left out.
    assert avancement[o12.pk] == pytest.approx(0)


def test_progress_without_campaign_is_zero_and_without_actions_is_none(projet, objectif):
    assert projet.avancement() is None
    ActionFactory(objectif=objectif)
    assert projet.avancement() == 0


def _add_actions(objectif, campagne, count):
    for _ in range(count):
        EvaluationFactory(campagne=campagne, action=ActionFactory(objectif=objectif))


def test_progress_query_count_does_not_grow_with_actions(plan, django_assert_num_queries):
    # One query each: the objectives (or axes) with a correlated subquery per row.
    with django_assert_num_queries(1):
        list(Objectif.objects.du_projet(plan["projet"]).with_avancement(plan["c2025"]))
    with django_assert_num_queries(1):
        plan["projet"].avancement(plan["c2025"])

    o11, o12, o21 = plan["objectifs"]
    for objectif in (o11, o12, o21):
        _add_actions(objectif, plan["c2025"], 10)

    with django_assert_num_queries(1):
        list(Objectif.objects.du_projet(plan["projet"]).with_avancement(plan["c2025"]))
    with django_assert_num_queries(1):
        list(Axe.objects.du_projet(plan["projet"]).with_avancement(plan["c2025"]))
    with django_assert_num_queries(1):
        plan["projet"].avancement(plan["c2025"])
    with django_assert_num_queries(1):
        Action.objects.du_projet(plan["projet"]).compter_par_statut()


TODAY = datetime.date(2025, 9, 15)


def test_en_retard_rule(objectif):
    hier = TODAY - datetime.timedelta(days=1)

    def action(**kwargs):
        return ActionFactory(objectif=objectif, **kwargs)

    late = {
        action(statut=StatutAction.EN_COURS, echeance=hier),
        action(statut=StatutAction.A_LANCER, echeance=hier),
        action(statut=StatutAction.REPORTEE, echeance=datetime.date(2024, 12, 31)),
    }
    not_late = {
        action(statut=StatutAction.REALISEE, echeance=hier),
        action(statut=StatutAction.ABANDONNEE, echeance=hier),
        action(statut=StatutAction.EN_COURS, echeance=TODAY),
        action(statut=StatutAction.EN_COURS, echeance=None),
    }
    assert set(Action.objects.en_retard(TODAY)) == late
    flags = dict(Action.objects.with_en_retard(TODAY).values_list("pk", "en_retard_calcule"))
    assert {pk for pk, flag in flags.items() if flag} == {a.pk for a in late}
    assert not any(flags[a.pk] for a in not_late)


def test_compter_par_statut_lists_every_statut(projet, objectif):
    for statut in (StatutAction.EN_COURS, StatutAction.EN_COURS, StatutAction.REALISEE):
        ActionFactory(objectif=objectif, statut=statut)
    ActionFactory(statut=StatutAction.A_LANCER)  # another plan

    assert Action.objects.du_projet(projet).compter_par_statut() == {
        "a_lancer": 0,
        "en_cours": 2,
        "realisee": 1,
        "reportee": 0,
        "abandonnee": 0,
    }
