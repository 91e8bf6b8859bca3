"""The Gouesnou demo data and the charger_demo command."""

import datetime
import io
import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from actions.enums import StatutAction, TypePartenaire
from actions.historique import Historique
from actions.models import Action
from axes.models import Axe, Objectif, ProjetSocial
from evaluations.enums import StatutCampagne, TypeReunion
from evaluations.models import Campagne, Evaluation, Mesure, Reunion
from evaluations.services import lignes_du_bilan
from projet_social import roles
from projet_social.demo import MOT_DE_PASSE_DEMO

pytestmark = pytest.mark.django_db


def _charger(settings) -> str:
    settings.DEBUG = True
    # The default hasher takes a noticeable time per password; these tests check the flow.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    sortie = io.StringIO()
    call_command("charger_demo", stdout=sortie)
    return sortie.getvalue()


@pytest.fixture
def demo(settings) -> ProjetSocial:
    _charger(settings)
    return ProjetSocial.objects.get()


def _action(code: str) -> Action:
    axe, objectif, numero = (int(part) for part in code.split("."))
    return Action.objects.get(objectif__axe__numero=axe, objectif__numero=objectif, numero=numero)


def _contraste_sur_blanc(couleur: str) -> float:
    """WCAG contrast ratio of white text on ``couleur`` (#rrggbb)."""

    def canal(hexa: str) -> float:
        c = int(hexa, 16) / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (canal(couleur[i : i + 2]) for i in (1, 3, 5))
    luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b
    return 1.05 / (luminance + 0.05)


def test_le_plan_a_4_axes_20_objectifs_et_40_actions(demo):
    assert demo.est_demo
    assert demo.structure == "CCAS de Gouesnou"
    assert (demo.annee_debut, demo.annee_fin) == (2023, 2026)
    assert demo.date_adoption.year == 2023
    assert "450 personnes" in demo.synthese_abs

    axes = list(Axe.objects.du_projet(demo))
    assert [(axe.numero, axe.intitule) for axe in axes] == [
        (1, "Accompagnement"),
        (2, "Lien social"),
        (3, "Inclusion"),
        (4, "Aller vers"),
    ]
    # Charts tell axes apart by colour and print white labels on them.
    assert len({axe.couleur for axe in axes}) == 4
    assert all(_contraste_sur_blanc(axe.couleur) >= 4.5 for axe in axes)

    for axe in axes:
        objectifs = Objectif.objects.filter(axe=axe)
        assert objectifs.count() == 5
        for objectif in objectifs:
            assert objectif.actions.count() == 2
    assert Action.objects.du_projet(demo).count() == 40


def test_chaque_fiche_est_renseignee(demo):
    actions = Action.objects.du_projet(demo).prefetch_related(
        "publics", "indicateurs", "etapes", "lignes_budget", "participations"
    )
    for action in actions:
        assert action.constat and action.description and action.elu_referent, action.code
        assert action.date_debut <= action.echeance, action.code
        assert action.publics.all(), action.code
        assert 1 <= len(action.indicateurs.all()) <= 3, action.code
        assert all(i.valeur_cible is not None for i in action.indicateurs.all()), action.code
        assert 2 <= len(action.etapes.all()) <= 4, action.code
        assert action.lignes_budget.all(), action.code
        assert action.participations.all(), action.code


def test_les_quatre_reunions_de_concertation_reunissent_une_trentaine_de_participants(demo):
    concertations = Reunion.objects.filter(projet=demo, type=TypeReunion.CONCERTATION)
    assert concertations.count() == 4
    assert all(
        datetime.date(2023, 1, 1) <= r.date <= datetime.date(2023, 5, 31) for r in concertations
    )
    # One meeting per axe.
    assert sorted(r.axes.get().numero for r in concertations) == [1, 2, 3, 4]
    assert 28 <= sum(r.nb_participants for r in concertations) <= 34

    bilan = Reunion.objects.get(projet=demo, type=TypeReunion.BILAN_ANNUEL)
    assert bilan.campagne.annee == 2024
    assert bilan.date == bilan.campagne.date_reunion
    assert bilan.partenaires.exists()


def test_les_trois_actions_reelles_portent_leurs_faits(demo):
    box = Action.objects.get(intitule="Box Marianne")
    cibles = {i.libelle: i.valeur_cible for i in box.indicateurs.all()}
    assert cibles == {
        "Box distribuées aux femmes": Decimal(20),
        "Box distribuées aux hommes": Decimal(20),
    }
    assert "deuxième édition, 20 box" in box.description
    assert {p.nom for p in box.partenaires.all()} >= {
        "Salon de coiffure partenaire",
        "Atelier de sérigraphie",
        "Commerces de proximité de Gouesnou",
    }

    epicerie = Action.objects.get(intitule="Épicerie sociale")
    assert "fin mars 2024" in epicerie.description
    assert "entre 10 et 30 % de leur prix habituel" in epicerie.description
    assert "Banque alimentaire du Finistère" in {p.nom for p in epicerie.partenaires.all()}
    don = epicerie.lignes_budget.get(financeur__isnull=False)
    assert don.montant_prevu == don.montant_realise == Decimal(500)
    assert don.financeur.type == TypePartenaire.ASSOCIATION

    maison = Action.objects.get(intitule="Maison des solidarités Simone-Veil")
    assert "ancienne Maison de l'enfance" in maison.description
    assert maison.indicateurs.get(valeur_cible=450).libelle == (
        "Personnes reçues par le CCAS dans l'année"
    )


def test_deux_campagnes_2024_close_et_2025_ouverte(demo):
    close = Campagne.objects.get(projet=demo, annee=2024)
    assert close.est_close
    assert close.closed_at.date() > close.date_reunion
    assert close.synthese and close.decisions

    ouverte = Campagne.objects.get(projet=demo, annee=2025)
    assert ouverte.statut == StatutCampagne.OUVERTE
    assert ouverte.closed_at is None
    assert Campagne.objects.derniere(demo) == ouverte

    assert 28 <= close.evaluations.saisies().count() <= 34
    assert close.evaluations.count() == 40  # a row for every action, at the closing
    assert 20 <= ouverte.evaluations.count() <= 30
    # Some actions were not evaluated this year: they count 0 in the progress.
    assert Action.objects.du_projet(demo).exclude(evaluations__campagne=ouverte).exists()
    # Most indicators of evaluated actions have a measured value.
    evaluations = Evaluation.objects.filter(campagne__projet=demo).prefetch_related(
        "mesures", "action__indicateurs"
    )
    mesures = sum(len(e.mesures.all()) for e in evaluations)
    indicateurs = sum(len(e.action.indicateurs.all()) for e in evaluations)
    assert mesures >= 0.8 * indicateurs


def test_les_dates_des_evaluations_sont_dans_la_periode_de_leur_bilan(demo, client):
    """A review closed on 14/02/2025 does not show an evaluation « saisie le » the day the
    demo was loaded: its rows and their history are dated between its opening and its
    closing; the open review's, between its opening and now."""
    maintenant = timezone.now()
    for campagne in Campagne.objects.filter(projet=demo):
        ouverture = campagne.history.earliest("history_date").history_date
        fin = campagne.closed_at or maintenant
        evaluations = Evaluation.objects.filter(campagne=campagne)
        assert evaluations.exists()
        for evaluation in evaluations:
            assert ouverture <= evaluation.created_at <= evaluation.updated_at <= fin, evaluation
        historiques = [
            *Evaluation.history.filter(campagne_id=campagne.pk),
            *Mesure.history.filter(evaluation_id__in=evaluations.values("pk")),
            *Reunion.history.filter(campagne_id=campagne.pk),
        ]
        assert historiques
        for entree in historiques:
            assert ouverture <= entree.history_date <= fin, entree
        if campagne.est_close:
            # Loaded long after the closing: nothing carries the day of the loading.
            assert max(e.history_date for e in historiques) < maintenant - datetime.timedelta(
                days=30
            )

    # What the page of a closed evaluation says.
    close = Campagne.objects.get(projet=demo, statut=StatutCampagne.CLOSE)
    evaluation = close.evaluations.saisies().select_related("action").first()
    client.force_login(get_user_model().objects.get(username="elu"))
    page = client.get(
        reverse(
            "evaluations:evaluer",
            kwargs={"campagne_pk": close.pk, "action_pk": evaluation.action_id},
        )
    )
    saisie = timezone.localtime(evaluation.updated_at)
    assert f"le {saisie:%d/%m/%Y à %H:%M}" in page.content.decode()
    assert saisie <= close.closed_at


def test_les_statuts_sont_varies_et_des_actions_sont_en_retard(demo):
    actions = Action.objects.du_projet(demo)
    assert all(n > 0 for n in actions.compter_par_statut().values())
    for abandonnee in actions.filter(statut=StatutAction.ABANDONNEE):
        assert abandonnee.motif_abandon, abandonnee.code

    en_retard = actions.en_retard(datetime.date(2026, 11, 24))
    assert en_retard.count() >= 3
    assert {a.statut for a in en_retard} >= {StatutAction.EN_COURS, StatutAction.REPORTEE}
    # Today, whatever the day the tests run, some actions are late.
    assert actions.en_retard().exists()


def test_avancement_calcule_sur_la_demo(demo):
    campagne = Campagne.objects.derniere(demo)
    assert 0 < campagne.avancement().moyenne < 100
    par_axe = [a.moyenne for a in campagne.avancement_par_axe().values()]
    assert all(0 < avancement < 100 for avancement in par_axe)
    assert len(set(par_axe)) == 4


def test_aucune_action_realisee_a_0_sur_la_demo(demo):
    for campagne in Campagne.objects.filter(projet=demo):
        realisees = campagne.avancement_des_actions().filter(statut_bilan=StatutAction.REALISEE)
        assert realisees.exists()
        assert set(realisees.values_list("avancement", flat=True)) == {100}, campagne


def test_le_bilan_2024_est_celui_d_avant_l_instantane(demo):
    """The review page before the snapshots (the code of issue 4 read the history; its lines
    are kept in tests/evaluations/donnees/bilan_2024_avant.json) and now (its own rows): the
    same fiches, evaluations and meeting; the figures differ only where the new rule says
    (none on the demo's 2024, its first review: a non-evaluated action counted 0 then as now)."""
    avant = json.loads(
        (Path(__file__).parent / "evaluations/donnees/bilan_2024_avant.json").read_text()
    )
    campagne = Campagne.objects.get(projet=demo, annee=2024)
    lignes = lignes_du_bilan(campagne)
    apres = [
        {
            "code": ligne.code,
            "intitule": ligne.intitule,
            "objectif": ligne.code_objectif,
            "objectif_intitule": ligne.intitule_objectif,
            "axe": ligne.numero_axe,
            "pilote": ligne.pilote_nom,
            "statut": ligne.statut,
            "statut_fiche": ligne.statut_fiche,
            "echeance": str(ligne.echeance) if ligne.echeance else None,
            "etat": ligne.etat,
            "taux": ligne.avancement if ligne.evaluee else None,
            "appreciation": ligne.appreciation,
            "realise": ligne.evaluation.realise,
            "difficultes": ligne.evaluation.difficultes,
            "reajustements": ligne.evaluation.reajustements,
            "nouvelle_echeance": (
                str(ligne.evaluation.nouvelle_echeance)
                if ligne.evaluation.nouvelle_echeance
                else None
            ),
        }
        for ligne in lignes
    ]
    assert apres == avant["lignes"]
    total = campagne.avancement()
    assert total.evaluees == avant["total"]["evaluees"]
    assert total.comptees == avant["total"]["evaluees"] + avant["total"]["a_evaluer"]
    assert total.moyenne == pytest.approx(avant["total"]["moyenne"])
    for numero, axe in campagne.avancement_par_axe().items():
        assert axe.moyenne == pytest.approx(avant["par_axe"][str(numero)]["moyenne"])
    reunion = Reunion.objects.get(campagne=campagne)
    assert sorted(reunion.partenaires_cloture) == avant["reunions"][0]["partenaires"]


def test_les_pilotes_sont_des_comptes_de_role(demo):
    actions = Action.objects.du_projet(demo).select_related("pilote")
    par_agent = actions.filter(pilote__username="agent").count()
    assert 15 <= par_agent <= 25
    assert actions.filter(pilote__isnull=True).exists()
    autres = {a.pilote for a in actions if a.pilote and a.pilote.username != "agent"}
    assert 2 <= len(autres) <= 3
    for pilote in autres:
        assert not pilote.has_usable_password()
        assert list(pilote.groups.values_list("name", flat=True)) == [roles.AGENTS]


def test_le_bilan_clos_retrouve_les_fiches_telles_qu_a_la_cloture(demo):
    close = Campagne.objects.get(projet=demo, annee=2024)
    fiches = {fiche.pk: fiche for fiche in Action.history.as_of(close.closed_at)}
    assert len(fiches) == 40
    # The 2024 rows hold each fiche as it was at the closing...
    for ligne in close.evaluations.all():
        assert fiches[ligne.action_id].statut == ligne.statut_fiche
    # ...even when the fiche moved on since: 2.3.1 was finished in December 2025.
    ateliers = _action("2.3.1")
    assert ateliers.statut == StatutAction.REALISEE
    assert close.evaluations.get(action=ateliers).statut_fiche == StatutAction.EN_COURS


def test_les_publics_et_besoins_des_fiches_sont_dans_leur_creation(demo):
    """Set with the first version, dated and signed like it: the history holds them, and
    shows them as part of the creation, not as a later change by « Système »."""
    actions = Action.objects.du_projet(demo).prefetch_related("publics", "besoins")
    assert sum(len(action.besoins.all()) for action in actions) > 0
    for action in actions:
        derniere = action.history.latest()
        assert {p.publiccible_id for p in derniere.publics.all()} == {
            p.pk for p in action.publics.all()
        }, action.code
        assert {b.besoinsocial_id for b in derniere.besoins.all()} == {
            b.pk for b in action.besoins.all()
        }, action.code
        fiche = [e for e in Historique(action).entrees() if e.objet == "Fiche"]
        assert fiche[-1].nature == "Création", action.code
        assert {e.auteur for e in fiche} == {"Agent CCAS (démo)"}, action.code
        champs = {c.champ for e in fiche for c in e.changements}
        assert "Publics cibles" not in champs, action.code
        assert "Besoins sociaux (ABS) auxquels l'action répond" not in champs, action.code


def test_les_comptes_de_demo_se_connectent_avec_leur_role(demo, client):
    for username, groupe in (
        ("agent", roles.AGENTS),
        ("elu", roles.ELUS),
        ("admin", roles.ADMINISTRATEURS),
    ):
        assert client.login(username=username, password=MOT_DE_PASSE_DEMO), username
        user = get_user_model().objects.get(username=username)
        assert list(user.groups.values_list("name", flat=True)) == [groupe]
        client.logout()
    User = get_user_model()
    assert not User.objects.get(username="agent").is_staff  # agents work in the product
    assert User.objects.get(username="admin").is_staff
    assert not User.objects.get(username="elu").is_staff
    assert User.objects.get(username="admin").is_superuser
    assert not client.login(username="coordination.seniors", password=MOT_DE_PASSE_DEMO)


def test_l_elu_de_demo_retrouve_ses_fiches_dans_mes_actions(demo, client):
    elu = get_user_model().objects.get(username="elu")
    suivies = Action.objects.du_projet(demo).filter(elu_referent_compte=elu)
    attendues = sorted(action.code for action in suivies.select_related("objectif__axe"))
    assert len(attendues) >= 3
    # The élu pilots nothing: the list is the fiches that name their account.
    assert not Action.objects.filter(pilote=elu).exists()

    client.force_login(elu)
    response = client.get(reverse("actions:mes_actions"))

    assert sorted(action.code for action in response.context["page"]) == attendues


def _compter_lignes() -> dict[str, int]:
    """Rows of every model of the project and of auth, history and m2m tables included."""
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models(include_auto_created=True)
        if model._meta.app_label in {"axes", "actions", "evaluations", "auth"}
    }


def test_recharger_la_demo_ne_change_rien(settings):
    _charger(settings)
    avant = _compter_lignes()
    modifiees_avant = dict(Action.objects.values_list("pk", "updated_at"))
    assert avant["actions.HistoricalAction"] > 40
    assert avant["evaluations.HistoricalEvaluation"] > 0
    # The items the history records hold (publics, besoins, axes, partners present).
    for table in (
        "actions.HistoricalAction_publics",
        "actions.HistoricalAction_besoins",
        "evaluations.HistoricalReunion_axes",
        "evaluations.HistoricalReunion_partenaires",
    ):
        assert avant[table] > 0, table

    sortie = _charger(settings)

    assert _compter_lignes() == avant
    assert dict(Action.objects.values_list("pk", "updated_at")) == modifiees_avant
    assert "Lignes créées : 0 ; lignes modifiées : 0." in sortie


def test_recharger_la_demo_remet_le_mot_de_passe_et_la_fiche(settings, client):
    _charger(settings)
    agent = get_user_model().objects.get(username="agent")
    agent.set_password("autre-mot-de-passe")
    agent.save()
    box = Action.objects.get(intitule="Box Marianne")
    box.intitule = "Box Marianne modifiée"
    box.save()

    _charger(settings)

    assert client.login(username="agent", password=MOT_DE_PASSE_DEMO)
    box.refresh_from_db()
    assert box.intitule == "Box Marianne"
    assert box.history.first().history_date > timezone.now() - datetime.timedelta(minutes=5)


def test_charger_demo_refuse_sans_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("charger_demo", stdout=io.StringIO())
    assert not ProjetSocial.objects.exists()
    assert not get_user_model().objects.exists()
