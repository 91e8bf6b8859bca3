"""The dashboard: its figures against the demo data computed here independently, the list of
actions behind each figure, the choice of review, axe and comparison, its charts' text
alternatives, and a fixed number of queries."""

import datetime
import re
from collections import Counter
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from actions.enums import STATUTS_TERMINES, SensIndicateur, StatutAction
from actions.models import Action, Etape, LigneBudget, atteinte
from axes.models import Axe, BesoinSocial
from evaluations.enums import Appreciation
from evaluations.models import Campagne, Evaluation, Mesure
from projet_social.graphiques import Barre, Barres, contraste, couleur_lisible
from tests.actions.factories import (
    ActionFactory,
    ActionPartenaireFactory,
    EtapeFactory,
    IndicateurFactory,
    LigneBudgetFactory,
)
from tests.axes.factories import BesoinSocialFactory
from tests.evaluations.factories import CampagneFactory, EvaluationFactory, MesureFactory
from tests.test_demo import _charger

pytestmark = pytest.mark.django_db


def _codes(client, url: str) -> set[str]:
    """The codes of the actions the list at ``url`` shows (all its pages)."""
    response = client.get(url)
    assert response.status_code == 200, url
    return {action.code for action in response.context["page"].paginator.object_list}


def _code(action: Action) -> str:
    return action.code


# --- The demo, figure by figure ------------------------------------------------------------


@pytest.fixture
def demo(settings):
    _charger(settings)


def _statut_au_bilan(action: Action, campagne: Campagne) -> str:
    """The statut an open review counts: its evaluation's when evaluated, else the fiche's."""
    evaluation = action.evaluations.filter(campagne=campagne).first()
    if evaluation is not None and evaluation.appreciation:
        return evaluation.statut
    return action.statut


def test_demo_dashboard_shows_the_latest_review_and_its_drill_down(client, demo, elu):
    client.force_login(elu)
    aujourdhui = timezone.localdate()
    campagne = Campagne.objects.order_by("-annee").first()
    actions = list(Action.objects.select_related("objectif__axe"))

    response = client.get("/")

    assert response.status_code == 200
    context = response.context
    assert context["campagne"] == campagne
    content = response.content.decode()
    assert f"{campagne}" in content

    # Late today: an échéance passed, neither réalisée nor abandonnée.
    en_retard = {
        a.code
        for a in actions
        if a.echeance and a.echeance < aujourdhui and a.statut not in STATUTS_TERMINES
    }
    assert en_retard, "the demo has late actions"
    assert context["fiches"]["en_retard"] == len(en_retard)
    assert _codes(client, context["lien_en_retard"]) == en_retard

    # Statuts counted in the open review, each segment's list has exactly its actions.
    attendus = Counter(_statut_au_bilan(a, campagne) for a in actions)
    for label, code, n, lien in context["par_statut"]:
        assert n == attendus.get(code, 0), label
        assert _codes(client, lien) == {
            a.code for a in actions if _statut_au_bilan(a, campagne) == code
        }

    # Evaluated in the review (an appréciation chosen), abandoned ones left out.
    evaluees = {
        e.action.code
        for e in Evaluation.objects.filter(campagne=campagne).exclude(appreciation="")
        if e.statut != StatutAction.ABANDONNEE
    }
    assert context["avancement"].evaluees == len(evaluees)
    assert _codes(client, context["lien_evaluees"]) == evaluees

    # Indicators on target: attainment 100 % or more, in the indicator's direction.
    mesures = Mesure.objects.filter(evaluation__campagne=campagne).select_related(
        "indicateur", "evaluation__action__objectif__axe"
    )
    atteintes = [
        (m, atteinte(m.valeur_realisee, m.indicateur.valeur_cible, m.indicateur.sens))
        for m in mesures
    ]
    mesurees = [a for _, a in atteintes if a is not None]
    a_la_cible = {m.evaluation.action.code for m, a in atteintes if a is not None and a >= 100}
    assert context["indicateurs_cible"]["mesurees"] == len(mesurees)
    assert context["indicateurs_cible"]["a_la_cible"] == sum(a >= 100 for a in mesurees)
    assert _codes(client, context["lien_indicateurs"]) == a_la_cible

    # Échéances per quarter of this year and the next.
    lignes = context["echeances"]["actions"].lignes
    assert len(lignes) == 8
    for rang, ligne in enumerate(lignes):
        annee, trimestre = aujourdhui.year + rang // 4, rang % 4 + 1
        dues = {
            a.code
            for a in actions
            if a.echeance
            and a.echeance.year == annee
            and (a.echeance.month - 1) // 3 + 1 == trimestre
        }
        assert ligne.total == len(dues), ligne.libelle
        assert _codes(client, ligne.lien) == dues
        terminees, retard, a_venir = ligne.segments
        assert _codes(client, retard.lien) == dues & en_retard
        assert _codes(client, a_venir.lien) == {
            a.code
            for a in actions
            if a.code in dues and a.code not in en_retard and a.statut not in STATUTS_TERMINES
        }
        assert terminees.valeur + retard.valeur + a_venir.valeur == len(dues)

    # Steps per quarter, and the late ones.
    etapes = context["echeances"]["etapes"].lignes
    for rang, ligne in enumerate(etapes):
        annee, trimestre = aujourdhui.year + rang // 4, rang % 4 + 1
        dues = [
            e
            for e in Etape.objects.select_related("action__objectif__axe")
            if e.echeance
            and e.echeance.year == annee
            and (e.echeance.month - 1) // 3 + 1 == trimestre
        ]
        assert ligne.total == len(dues)
        retard = [e for e in dues if not e.faite and e.echeance < aujourdhui]
        assert ligne.segments[1].valeur == len(retard)
        assert _codes(client, ligne.segments[1].lien) == {e.action.code for e in retard}

    # The transversal points and the partners most involved.
    avec_partenaires = {a.code for a in actions if a.participations.exists()}
    communication = {
        a.code for a in actions if a.communication_supports or a.communication_messages
    }
    transversal = context["transversal"]
    partenaires, comm = transversal["parts"].barres
    assert partenaires.details == [f"{len(avec_partenaires)} / {len(actions)}"]
    assert _codes(client, partenaires.lien) == avec_partenaires
    assert comm.details == [f"{len(communication)} / {len(actions)}"]
    assert _codes(client, comm.lien) == communication
    plus_engage = transversal["partenaires"].barres[0]
    assert _codes(client, plus_engage.lien) == {
        a.code for a in actions if a.participations.filter(partenaire__nom=plus_engage.libelle)
    }
    assert plus_engage.valeur == max(
        Counter(p.partenaire_id for a in actions for p in a.participations.all()).values()
    )

    # The ABS needs: each with its actions; those without any are named.
    besoins = context["besoins"]
    for besoin, barre in zip(
        BesoinSocial.objects.order_by("thematique", "pk"), besoins["graphique"].barres, strict=True
    ):
        siennes = {a.code for a in besoin.actions.all()}
        assert barre.valeur == len(siennes)
        if siennes:
            assert _codes(client, barre.lien) == siennes
        else:
            assert barre.lien == reverse("axes:besoin", args=[besoin.pk])
            assert besoin in besoins["sans_action"]

    # The budget's totals.
    prevu = sum(ligne.montant_prevu for ligne in LigneBudget.objects.all())
    assert context["budget"]["prevu"] == f"{round(prevu):,}".replace(",", "\u202f") + "\u00a0€"
    for ligne in context["budget"]["par_annee"].lignes:
        annee = int(ligne.libelle)
        assert _codes(client, ligne.lien) == {
            a.code for a in actions if a.lignes_budget.filter(annee=annee).exists()
        }


def test_demo_closed_review_reads_its_snapshot_and_compares_with_the_next(client, demo, elu):
    client.force_login(elu)
    bilan_2024 = Campagne.objects.get(annee=2024)
    bilan_2025 = Campagne.objects.get(annee=2025)
    assert bilan_2024.est_close
    lignes = list(Evaluation.objects.filter(campagne=bilan_2024))
    # A fiche changed since the closing does not change the closed review's figures.
    fiche = Action.objects.get(pk=lignes[0].action_id)
    Action.objects.filter(pk=fiche.pk).update(statut=StatutAction.ABANDONNEE)

    response = client.get("/", {"bilan": bilan_2024.pk})

    context = response.context
    assert context["campagne"] == bilan_2024
    statuts = Counter(ligne.statut_bilan for ligne in lignes)
    codes = {ligne.action_id: ligne.code_fige for ligne in lignes}
    for label, code, n, lien in context["par_statut"]:
        assert n == statuts.get(code, 0), label
        assert _codes(client, lien) == {
            codes[ligne.action_id] for ligne in lignes if ligne.statut_bilan == code
        }
    # Progress per axe, as the closing wrote it.
    for axe, barre in zip(
        Axe.objects.order_by("numero"), context["graphique_axes"].barres, strict=True
    ):
        valeurs = [
            ligne.avancement
            for ligne in lignes
            if ligne.numero_axe == axe.numero and ligne.avancement is not None
        ]
        assert barre.texte == f"{round(sum(valeurs) / len(valeurs))}\u00a0%"
    # No review before 2024: nothing to compare with by default.
    assert context["comparaison"] is None

    # Comparing 2024 with 2025: side by side, and the actions whose statut changed.
    response = client.get("/", {"bilan": bilan_2025.pk, "comparer": bilan_2024.pk})
    comparaison = response.context["comparaison"]
    assert (comparaison["avant"], comparaison["apres"]) == (bilan_2024, bilan_2025)
    avant = {ligne.action_id: ligne.statut_bilan for ligne in lignes}
    changees = set()
    for action in Action.objects.filter(pk__in=avant):
        if _statut_au_bilan(action, bilan_2025) != avant[action.pk]:
            changees.add(action.code)
    assert changees, "the demo has actions whose statut changed"
    assert {c["code"] for c in comparaison["changements"]} == changees
    series = [s.libelle for s in comparaison["graphique"].series]
    assert series == ["Bilan 2024", "Bilan 2025"]
    content = response.content.decode()
    assert "Comparaison : Bilan 2024 et Bilan 2025" in content


def test_demo_dashboard_for_one_axe(client, demo, elu):
    client.force_login(elu)
    axe = Axe.objects.get(numero=2)
    response = client.get("/", {"axe": axe.pk})
    context = response.context
    actions = Action.objects.filter(objectif__axe=axe)
    assert context["fiches"]["total"] == actions.count()
    objectifs = [b.libelle.split(" ")[0] for b in context["graphique_objectifs"].barres]
    assert objectifs == [o.code for o in axe.objectifs.order_by("numero")]
    assert _codes(client, context["lien_en_retard"]) == {a.code for a in actions.en_retard()}


# --- Choices, charts and speed on small data -----------------------------------------------


def test_unknown_choices_show_the_latest_review_with_a_message(client, elu, projet, objectif):
    CampagneFactory(projet=projet, annee=2025)
    client.force_login(elu)
    for parametres in ({"bilan": "999999"}, {"bilan": "abc"}, {"axe": "0"}, {"comparer": "x"}):
        response = client.get("/", parametres)
        assert response.status_code == 200
        assert "Ce choix n'existe pas" in response.content.decode()
        assert response.context["campagne"].annee == 2025


def test_every_chart_has_a_title_a_text_alternative_and_its_data(client, elu, projet, objectif):
    campagne = CampagneFactory(projet=projet, annee=2025)
    action = ActionFactory(objectif=objectif, echeance=timezone.localdate())
    EvaluationFactory(campagne=campagne, action=action)
    LigneBudgetFactory(action=action)
    ActionPartenaireFactory(action=action)
    BesoinSocialFactory(projet=projet)
    client.force_login(elu)

    content = client.get("/").content.decode()

    figures = re.findall(r'<figure class="graphique".*?</figure>', content, re.S)
    assert len(figures) >= 8
    for figure in figures:
        svg = re.search(r"<svg .*?</svg>", figure, re.S).group(0)
        assert re.search(r"<title id=\"[^\"]+\">[^<]+</title>", svg)
        assert re.search(r"<desc id=\"[^\"]+\">[^<]+</desc>", svg)
        assert "<summary>Voir les données" in figure and "<table" in figure
        # Numbers in SVG attributes are never localised ("12,5" is no length).
        assert not re.search(r'(?:x|y|width|height|cx|cy)="-?\d+,\d', svg), svg[:300]


def test_colours_keep_three_to_one_contrast_and_bars_are_proportional():
    assert contraste(couleur_lisible("#ffff00")) >= 3
    assert couleur_lisible("#1f5f8b") == "#1f5f8b"  # dark enough as it is
    assert couleur_lisible("rouge") == couleur_lisible(None)
    graphique = Barres(
        titre="t",
        description="d",
        barres=[Barre("a", 50, "50 %"), Barre("b", 100, "100 %"), Barre("c", None, "—")],
        maximum=100,
    )
    a, b, c = graphique.formes
    assert b["largeur"] == pytest.approx(2 * a["largeur"])
    assert c["largeur"] == 0


def _peupler(objectif, campagne, n: int, besoin) -> None:
    aujourdhui = timezone.localdate()
    for i in range(n):
        action = ActionFactory(
            objectif=objectif,
            echeance=datetime.date(aujourdhui.year, 3 * (i % 4) + 1, 15),
            communication_supports="Flyer" if i % 2 else "",
        )
        action.besoins.add(besoin)
        ActionPartenaireFactory(action=action)
        EtapeFactory(action=action, echeance=aujourdhui + datetime.timedelta(days=i - 5))
        LigneBudgetFactory(action=action, annee=2024 + i % 2, montant_realise=Decimal(100))
        indicateur = IndicateurFactory(action=action)
        evaluation = EvaluationFactory(campagne=campagne, action=action)
        MesureFactory(evaluation=evaluation, indicateur=indicateur, valeur_realisee=10 + i)


def test_dashboard_query_count_does_not_grow(
    client, agent, elu, projet, objectif, django_assert_num_queries
):
    besoin = BesoinSocialFactory(projet=projet)
    bilan_2024 = CampagneFactory(projet=projet, annee=2024)
    _peupler(objectif, bilan_2024, 3, besoin)
    bilan_2024.clore(par=agent)
    bilan_2025 = CampagneFactory(projet=projet, annee=2025)
    _peupler(objectif, bilan_2025, 3, besoin)
    client.force_login(elu)
    # 1 session, 2 user, 3 the plan's generation, 4 projet, 5 campaigns, 6 axes; the user's
    # "À faire": 7 does the user pilot a fiche (no: nothing more to read), 8-9 the user's
    # permissions (an agent always sees the section); 10 the figures kept? Not yet: 11
    # objectives, 12 progress per objective, 13 statuts in the review, 14 counts of the
    # fiches (late, partners, communication), 15 indicators on target, 16 indicators measured,
    # 17 the chosen indicator's measures, 18 actions due per quarter, 19 steps due per
    # quarter, 20 budget per axe and year, 21 partners most involved, 22 needs with their
    # actions, 23 progress per objective of the compared review, 24 statuts in the compared
    # review; 25-29 the figures kept (count, savepoint, lookup, insert, release).
    with django_assert_num_queries(29):
        response = client.get("/")
    assert response.context["comparaison"]["avant"] == bilan_2024
    # Nothing written since: the figures are those kept, and the projet and the user's
    # permissions kept by the process: 1 session, 2 user, 3 the plan's generation,
    # 4 campaigns, 5 axes, 6 does the user pilot a fiche, 7 the figures kept.
    with django_assert_num_queries(7):
        again = client.get("/")
    assert _figures(again) == _figures(response)
    _peupler(objectif, bilan_2025, 27, besoin)
    with django_assert_num_queries(29):
        response = client.get("/")
    assert response.context["fiches"]["total"] == 33
    # The closed review with the open one to compare: the same figures read, without 4 and
    # 8-9 (kept by the process since the page before).
    with django_assert_num_queries(26):
        client.get("/", {"bilan": bilan_2024.pk, "comparer": bilan_2025.pk})


def _figures(response) -> str:
    html = response.content.decode()
    return html[html.index('id="chiffres-cles"') :]


# --- The list's filters the dashboard links to ---------------------------------------------


def _liste(client, **filtres) -> set[str]:
    return _codes(
        client,
        reverse("actions:liste")
        + "?"
        + "&".join(f"{cle}={valeur}" for cle, valeur in filtres.items()),
    )


def test_quarter_and_step_filters(client, agent, projet, objectif):
    client.force_login(agent)
    aujourdhui = timezone.localdate()
    annee = aujourdhui.year + 1  # the whole year is to come
    t1 = ActionFactory(objectif=objectif, echeance=datetime.date(annee, 3, 31))
    t2 = ActionFactory(objectif=objectif, echeance=datetime.date(annee, 4, 1))
    EtapeFactory(action=t1, echeance=datetime.date(annee, 5, 2), faite=True)
    EtapeFactory(action=t2, echeance=datetime.date(annee, 5, 3))
    passee = ActionFactory(objectif=objectif, echeance=aujourdhui - datetime.timedelta(days=400))
    EtapeFactory(action=passee, echeance=aujourdhui - datetime.timedelta(days=1))

    assert _liste(client, echeance_trimestre=f"{annee}-T1") == {t1.code}
    assert _liste(client, echeance_trimestre=f"{annee}-T2") == {t2.code}
    assert _liste(client, etape_trimestre=f"{annee}-T2") == {t1.code, t2.code}
    assert _liste(client, etape_trimestre=f"{annee}-T2", etape_etat="faite") == {t1.code}
    assert _liste(client, etape_trimestre=f"{annee}-T2", etape_etat="a_venir") == {t2.code}
    hier = aujourdhui - datetime.timedelta(days=1)
    trimestre_hier = f"{hier.year}-T{(hier.month - 1) // 3 + 1}"
    assert _liste(client, etape_trimestre=trimestre_hier, etape_etat="en_retard") == {passee.code}
    assert _liste(client, a_venir="on") == {t1.code, t2.code}
    # An unknown quarter is a French error on the list, not a 500.
    response = client.get(reverse("actions:liste"), {"echeance_trimestre": "2026-T9"})
    assert response.status_code == 200
    assert "Un filtre n'est pas valide" in response.content.decode()


def test_partner_communication_and_budget_filters(client, agent, projet, objectif):
    client.force_login(agent)
    avec = ActionFactory(objectif=objectif, communication_messages="Réunion publique")
    sans = ActionFactory(objectif=objectif)
    ActionPartenaireFactory(action=avec)
    LigneBudgetFactory(action=sans, annee=2024)
    assert _liste(client, partenaires="avec") == {avec.code}
    assert _liste(client, partenaires="sans") == {sans.code}
    assert _liste(client, communication="avec") == {avec.code}
    assert _liste(client, communication="sans") == {sans.code}
    assert _liste(client, budget_annee=2024) == {sans.code}
    assert _liste(client, budget_annee=2025) == set()
    # The drill-down filters in use are shown on the list, so that the user can lift them.
    content = client.get(reverse("actions:liste"), {"partenaires": "avec"}).content.decode()
    assert "Depuis le tableau de bord" in content


def test_review_filters_read_a_closed_review_and_the_indicator_direction(
    client, agent, projet, objectif
):
    client.force_login(agent)
    bilan = CampagneFactory(projet=projet, annee=2024)
    haute = ActionFactory(objectif=objectif)
    basse = ActionFactory(objectif=objectif)
    non_evaluee = ActionFactory(objectif=objectif)
    plus = IndicateurFactory(action=haute, valeur_cible=Decimal(40))
    moins = IndicateurFactory(action=basse, valeur_cible=Decimal(10), sens=SensIndicateur.BAISSE)
    IndicateurFactory(action=non_evaluee)
    MesureFactory(
        evaluation=EvaluationFactory(
            campagne=bilan,
            action=haute,
            statut=StatutAction.REALISEE,
            taux_realisation=100,
            appreciation=Appreciation.ATTEINT,
        ),
        indicateur=plus,
        valeur_realisee=Decimal("39.9"),  # 99.75 %: shown 100 %, on target
    )
    MesureFactory(
        evaluation=EvaluationFactory(campagne=bilan, action=basse),
        indicateur=moins,
        valeur_realisee=Decimal(12),  # lower is better: 10 / 12 = 83 %
    )
    EvaluationFactory(campagne=bilan, action=non_evaluee, appreciation="", taux_realisation=0)
    bilan.clore(par=agent)
    # The fiches change after the closing; the closed review's filters do not.
    Action.objects.filter(pk=haute.pk).update(statut=StatutAction.EN_COURS)
    Action.objects.filter(pk=basse.pk).update(statut=StatutAction.REALISEE)

    assert _liste(client, bilan=bilan.pk, statut_bilan=StatutAction.REALISEE) == {haute.code}
    assert _liste(client, bilan=bilan.pk, evaluee="on") == {haute.code, basse.code}
    assert _liste(client, bilan=bilan.pk, non_evaluee="on") == {non_evaluee.code}
    assert _liste(client, bilan=bilan.pk, indicateur_a_la_cible="on") == {haute.code}
    # Lower is better, and reached: 8 for a target of 10 is on target.
    Mesure.objects.filter(indicateur=moins).update(valeur_realisee=Decimal(8))
    assert _liste(client, bilan=bilan.pk, indicateur_a_la_cible="on") == {
        haute.code,
        basse.code,
    }


def test_home_shows_each_user_what_is_theirs_to_do(client, agent, elu, pilote, projet, objectif):
    campagne = CampagneFactory(projet=projet, annee=2025)
    en_retard = ActionFactory(objectif=objectif, pilote=pilote, en_retard=True)
    a_evaluer = ActionFactory(objectif=objectif, pilote=pilote)
    EvaluationFactory(campagne=campagne, action=a_evaluer, appreciation="", taux_realisation=0)
    etape = EtapeFactory(
        action=a_evaluer,
        libelle="Réserver la salle",
        echeance=timezone.localdate() + datetime.timedelta(days=10),
    )
    ActionFactory(objectif=objectif)  # nobody's

    client.force_login(pilote)
    content = client.get("/").content.decode()
    assert '<h2 id="a-faire-titre" class="h4">À faire</h2>' in content
    assert reverse("evaluations:evaluer", args=[campagne.pk, a_evaluer.pk]) in content
    assert f'href="{reverse("actions:detail", args=[en_retard.pk])}"' in content
    assert etape.libelle in content

    client.force_login(agent)  # pilots nothing: told so
    assert "Rien à faire pour l'instant." in client.get("/").content.decode()
    client.force_login(elu)  # follows the plan, pilots nothing: no section
    assert "a-faire-titre" not in client.get("/").content.decode()
