"""Progress, lateness and counts, checked against figures computed by hand (DOMAIN.md rules)."""

import datetime

import pytest
from django.urls import reverse
from django.utils.html import escape

from actions.enums import StatutAction
from actions.models import Action
from axes.enums import StatutProjet
from evaluations.models import avancement
from tests.actions.factories import ActionFactory
from tests.axes.factories import AxeFactory, ObjectifFactory, ProjetSocialFactory
from tests.evaluations.factories import CampagneFactory, EvaluationFactory


@pytest.fixture
def plan(db, agent):
    """Two axes, three objectives, eight actions, the review of 2024 closed, 2025 open.

    Bilan 2024 (closed): a1 40 %, a2 60 %, a4 réalisée (100), a3 a5 a6 not evaluated (0),
    a7 abandoned fiche (left out), a8 réalisée fiche (100): 300 / 7; 3 / 7 evaluated.
    Bilan 2025 (open):
      O1.1: a1 evaluated 100, a2 not evaluated -> 60 carried from 2024, a3 never -> 0
      O1.2: a4 réalisée -> 100, a5 evaluated "abandonnée" (left out)           -> 100
      O2.1: a6 evaluated 30, a7 abandoned (left out), a8 réalisée -> 100        -> 65
      Axe 1 = (100 + 60 + 0 + 100) / 4 = 65 ; axe 2 = 65 ; projet = 390 / 6 = 65 ;
      evaluated: a1 and a6 -> 2 / 6.
    """
    # Adopted: the plan every screen shows (the other plan below is closed).
    projet = ProjetSocialFactory(annee_debut=2023, annee_fin=2026, statut=StatutProjet.ADOPTE)
    axe1 = AxeFactory(projet=projet, numero=1)
    axe2 = AxeFactory(projet=projet, numero=2)
    o11 = ObjectifFactory(axe=axe1, numero=1)
    o12 = ObjectifFactory(axe=axe1, numero=2)
    o21 = ObjectifFactory(axe=axe2, numero=1)
    a = {
        1: ActionFactory(objectif=o11, numero=1),
        2: ActionFactory(objectif=o11, numero=2),
        3: ActionFactory(objectif=o11, numero=3),
        4: ActionFactory(objectif=o12, numero=1, statut=StatutAction.REALISEE),
        5: ActionFactory(objectif=o12, numero=2),
        6: ActionFactory(objectif=o21, numero=1),
        7: ActionFactory(objectif=o21, numero=2, abandonnee=True),
        8: ActionFactory(objectif=o21, numero=3, statut=StatutAction.REALISEE),
    }
    c2024 = CampagneFactory(projet=projet, annee=2024)
    EvaluationFactory(campagne=c2024, action=a[1], taux_realisation=40)
    EvaluationFactory(campagne=c2024, action=a[2], taux_realisation=60)
    EvaluationFactory(
        campagne=c2024, action=a[4], statut=StatutAction.REALISEE, taux_realisation=100
    )
    c2024.clore(agent)
    c2025 = CampagneFactory(projet=projet, annee=2025)
    EvaluationFactory(campagne=c2025, action=a[1], taux_realisation=100)
    EvaluationFactory(campagne=c2025, action=a[2], taux_realisation=0, appreciation="")
    EvaluationFactory(campagne=c2025, action=a[6], taux_realisation=30)
    EvaluationFactory(
        campagne=c2025, action=a[5], taux_realisation=80, statut=StatutAction.ABANDONNEE
    )
    # Another plan whose actions must never leak into this one's figures.
    autre = ActionFactory(objectif__axe__projet__statut=StatutProjet.CLOS)
    EvaluationFactory(campagne=CampagneFactory(projet=autre.objectif.axe.projet), action=autre)
    return {"projet": projet, "axes": (axe1, axe2), "a": a, "c2024": c2024, "c2025": c2025}


def test_each_action_in_the_open_review(plan):
    a, c2025 = plan["a"], plan["c2025"]
    lignes = {
        action.pk: (action.avancement, action.avancement_annee, action.evaluee)
        for action in c2025.avancement_des_actions()
    }
    assert lignes == {
        a[1].pk: (100, 2025, True),
        a[2].pk: (60, 2024, False),  # carried forward: "repris du Bilan 2024"
        a[3].pk: (0, None, False),  # never evaluated: "non évaluée"
        a[4].pk: (100, None, False),  # réalisée
        a[5].pk: (None, None, True),  # abandoned in this review: left out
        a[6].pk: (30, 2025, True),
        a[7].pk: (None, None, False),  # abandoned fiche: left out
        a[8].pk: (100, None, False),
    }


def test_means_and_coverage_of_the_open_review(plan):
    c2025 = plan["c2025"]
    total = c2025.avancement()
    assert (total.moyenne, total.evaluees, total.comptees) == (pytest.approx(65), 2, 6)
    assert total.couverture == "2 / 6 actions évaluées au Bilan 2025"
    assert total.en_cours_de_saisie
    par_axe = c2025.avancement_par_axe()
    assert (par_axe[1].moyenne, par_axe[1].evaluees, par_axe[1].comptees) == (65, 1, 4)
    assert (par_axe[2].moyenne, par_axe[2].evaluees, par_axe[2].comptees) == (65, 1, 2)
    par_objectif = c2025.avancement_par_objectif()
    assert par_objectif[(1, 1)].moyenne == pytest.approx(160 / 3)
    assert (par_objectif[(1, 2)].moyenne, par_objectif[(1, 2)].comptees) == (100, 1)
    assert par_objectif[(2, 1)].moyenne == 65


def test_the_closed_review_reads_its_snapshot(plan, agent):
    c2024 = plan["c2024"]
    total = c2024.avancement()
    assert (total.moyenne, total.evaluees, total.comptees) == (pytest.approx(300 / 7), 3, 7)
    assert not total.en_cours_de_saisie
    assert c2024.evaluations.count() == 8  # a row for every action, evaluated or not
    # Today's fiches no longer count for 2024: its figures stay.
    Action.objects.filter(pk=plan["a"][3].pk).update(statut=StatutAction.REALISEE)
    assert c2024.avancement().moyenne == pytest.approx(300 / 7)


def test_without_review_realisee_counts_100_and_others_0(db):
    projet = ProjetSocialFactory()
    objectif = ObjectifFactory(axe=AxeFactory(projet=projet))
    ActionFactory(objectif=objectif, statut=StatutAction.REALISEE)
    ActionFactory(objectif=objectif)
    resultat = avancement(projet, None)
    assert (resultat.moyenne, resultat.evaluees, resultat.comptees) == (50, 0, 2)
    assert avancement(ProjetSocialFactory(), None).moyenne is None


def test_progress_query_count_does_not_grow_with_actions(plan, django_assert_num_queries):
    c2025 = plan["c2025"]
    for numero in range(4, 30):
        ActionFactory(objectif=plan["a"][1].objectif, numero=numero)
    # One aggregate query each, whatever the number of actions.
    with django_assert_num_queries(3):
        c2025.avancement()
        c2025.avancement_par_axe()
        c2025.avancement_par_objectif()


def test_the_same_figure_on_every_screen(client, agent, plan):
    """a2 is 60 %, carried from 2024, on the plan, the list, the fiche and the review page;
    axe 1 is 65 % with its coverage on the home page, the plan and the review page."""
    a2, c2025 = plan["a"][2], plan["c2025"]
    client.force_login(agent)
    pages = {
        "plan": client.get(reverse("axes:plan")),
        "liste": client.get(reverse("actions:liste")),
        "fiche": client.get(reverse("actions:detail", args=[a2.pk])),
        "bilan": client.get(reverse("evaluations:campagne", args=[c2025.pk])),
    }
    for nom, page in pages.items():
        assert page.status_code == 200, nom
        texte = " ".join(page.content.decode().split())
        repere = "avancement-fiche" if nom == "fiche" else " ".join(escape(a2.intitule).split())
        ligne = texte[texte.index(repere) :][:1500]
        assert "60 %" in ligne and "repris du Bilan 2024" in ligne, nom
    for nom, page in {
        "accueil": client.get(reverse("home")),
        "plan": pages["plan"],
        "bilan": pages["bilan"],
    }.items():
        texte = " ".join(page.content.decode().split())
        assert "65 %" in texte and "1 / 4 actions évaluées au Bilan 2025" in texte, nom
        assert "en cours de saisie" in texte, nom


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
