"""A closed review is a snapshot: its page reads only the rows its closing wrote, and nothing
changes them, not the app, not the admin, not a cascade (DOMAIN.md, issue 7)."""

import datetime
import re
from decimal import Decimal
from unittest import mock

import pytest
from django.apps import apps as django_apps
from django.db.models import ProtectedError, RestrictedError
from django.urls import reverse
from django.utils import timezone

from actions.models import Action, Indicateur, Partenaire
from actions.services import fusionner_partenaires
from axes.enums import StatutProjet
from evaluations.enums import StatutCampagne, TypeReunion
from evaluations.models import Campagne, Evaluation, Mesure, Reunion
from evaluations.reprise import figer_les_besoins
from tests.actions.factories import ActionFactory, IndicateurFactory, PartenaireFactory
from tests.axes.factories import (
    AxeFactory,
    BesoinSocialFactory,
    ObjectifFactory,
    ProjetSocialFactory,
)
from tests.evaluations.factories import (
    CampagneFactory,
    EvaluationFactory,
    MesureFactory,
    ReunionFactory,
)
from tests.factories_utilisateurs import AgentFactory
from tests.formulaires import donnees_du_formulaire


@pytest.fixture
def bilan(db, administrateur):
    """Bilan 2024 with two fiches (one evaluated, with a measure), its réunion partenariale
    with two partners, closed; the fiches have moved on since in nothing yet."""
    projet = ProjetSocialFactory(annee_debut=2023, annee_fin=2026, statut=StatutProjet.ADOPTE)
    axe = AxeFactory(projet=projet, numero=1, intitule="Accompagnement", couleur="#1f5f7a")
    objectif = ObjectifFactory(axe=axe, numero=1, intitule="Accès aux droits")
    autre_objectif = ObjectifFactory(axe=axe, numero=2, intitule="Numérique")
    pilote = AgentFactory(first_name="Paule", last_name="Pilote")
    evaluee = ActionFactory(objectif=objectif, numero=1, intitule="Permanences", pilote=pilote)
    seule = ActionFactory(objectif=objectif, numero=2, intitule="Guide des services")
    indicateur = IndicateurFactory(action=evaluee, libelle="Personnes reçues", valeur_cible=100)
    campagne = CampagneFactory(projet=projet, annee=2024)
    evaluation = EvaluationFactory(campagne=campagne, action=evaluee, taux_realisation=70)
    MesureFactory(evaluation=evaluation, indicateur=indicateur, valeur_realisee=Decimal("80"))
    cdas, caf = PartenaireFactory(nom="CDAS"), PartenaireFactory(nom="CAF")
    reunion = ReunionFactory(
        projet=projet,
        campagne=campagne,
        type=TypeReunion.BILAN_ANNUEL,
        date=datetime.date(2025, 2, 4),
        intitule="Réunion partenariale du bilan 2024",
    )
    reunion.partenaires.set([cdas, caf])
    reunion.axes.set([axe])
    campagne.clore(administrateur)
    return {
        "campagne": campagne,
        "axe": axe,
        "objectif": objectif,
        "autre_objectif": autre_objectif,
        "pilote": pilote,
        "evaluee": evaluee,
        "seule": seule,
        "indicateur": indicateur,
        "reunion": reunion,
        "cdas": cdas,
        "caf": caf,
    }


def _pages(client, bilan) -> list[bytes]:
    urls = [
        reverse("evaluations:campagne", args=[bilan["campagne"].pk]),
        reverse("evaluations:reunion", args=[bilan["reunion"].pk]),
    ]
    pages = [client.get(url) for url in urls]
    assert all(page.status_code == 200 for page in pages)
    # Byte for byte, but for the logout form's CSRF token, new on every page.
    return [re.sub(rb'(name="csrfmiddlewaretoken" value=")[^"]+', rb"\1", p.content) for p in pages]


def test_the_closing_writes_the_snapshot(bilan):
    campagne = bilan["campagne"]
    lignes = {ligne.action_id: ligne for ligne in campagne.evaluations.all()}
    assert len(lignes) == 2  # the fiche that had no evaluation gets a row, not evaluated
    evaluee = lignes[bilan["evaluee"].pk]
    assert (evaluee.code_fige, evaluee.intitule_action, evaluee.pilote_nom) == (
        "1.1.1",
        "Permanences",
        "Paule Pilote",
    )
    assert (evaluee.intitule_axe, evaluee.intitule_objectif, evaluee.avancement) == (
        "Accompagnement",
        "Accès aux droits",
        70,
    )
    seule = lignes[bilan["seule"].pk]
    assert (seule.appreciation, seule.avancement, seule.avancement_annee) == ("", 0, None)
    mesure = Mesure.objects.get(evaluation=evaluee)
    assert (mesure.indicateur_libelle, mesure.indicateur_cible) == ("Personnes reçues", 100)
    bilan["reunion"].refresh_from_db()
    assert bilan["reunion"].partenaires_cloture == ["CAF", "CDAS"]
    assert bilan["reunion"].axes_cloture == ["Axe 1 : Accompagnement"]


def test_the_closing_records_the_needs_and_the_actions_answering_them(administrateur, bilan):
    campagne = bilan["campagne"]
    projet = campagne.projet
    campagne.rouvrir(administrateur)
    isolement = BesoinSocialFactory(projet=projet, thematique="Isolement", chiffre_cle="1 sur 4")
    BesoinSocialFactory(projet=projet, thematique="Acces aux droits")
    ailleurs = BesoinSocialFactory(thematique="Besoin d'un autre projet")
    # Linked from the fiches' side, which records it in their history.
    bilan["seule"].besoins.set([isolement, ailleurs])
    bilan["evaluee"].besoins.set([isolement])
    campagne.clore(administrateur)

    campagne.refresh_from_db()
    assert [(b["thematique"], b["actions"]) for b in campagne.besoins_cloture] == [
        ("Acces aux droits", []),
        ("Isolement", ["1.1.1", "1.1.2"]),
    ]
    assert campagne.besoins_cloture[1]["chiffre_cle"] == "1 sur 4"
    # Needs and links change afterwards: the record stays.
    isolement.thematique = "Solitude"
    isolement.save()
    bilan["seule"].besoins.clear()
    campagne.refresh_from_db()
    assert campagne.besoins_cloture[1]["thematique"] == "Isolement"

    campagne.rouvrir(administrateur)
    assert Campagne.objects.get(pk=campagne.pk).besoins_cloture == []


def test_reviews_closed_before_needs_were_recorded_get_today_s_needs(bilan):
    """The migration's step (evaluations.reprise.figer_les_besoins): the codes as the
    review's rows have them, even after the fiche moved."""
    campagne = bilan["campagne"]
    besoin = BesoinSocialFactory(projet=campagne.projet, thematique="Isolement")
    bilan["evaluee"].besoins.set([besoin])
    Action.objects.filter(pk=bilan["evaluee"].pk).update(numero=9)
    Campagne.objects.filter(pk=campagne.pk).update(besoins_cloture=[])

    figer_les_besoins(django_apps)

    campagne.refresh_from_db()
    assert [(b["thematique"], b["actions"]) for b in campagne.besoins_cloture] == [
        ("Isolement", ["1.1.1"])
    ]


def test_nothing_changes_the_closed_review_page(client, elu, administrateur, bilan):
    client.force_login(elu)
    avant = _pages(client, bilan)

    # The fiche is edited, moved; its axe, objective and pilote are renamed.
    evaluee = Action.objects.get(pk=bilan["evaluee"].pk)
    evaluee.intitule = "Permanences d'accès aux droits"
    evaluee.echeance = datetime.date(2027, 6, 30)
    evaluee.objectif = bilan["autre_objectif"]
    evaluee.numero = 7
    evaluee.save()
    bilan["axe"].intitule, bilan["axe"].couleur = "Accompagner", "#000000"
    bilan["axe"].save()
    bilan["objectif"].intitule = "Droits"
    bilan["objectif"].save()
    bilan["pilote"].last_name = "Mariée"
    bilan["pilote"].save()
    # Its indicator is deleted: the closed measure stays, with its copy of the indicator.
    bilan["indicateur"].delete()
    assert Mesure.objects.filter(evaluation__campagne=bilan["campagne"]).count() == 1
    # The partners of the meeting are merged.
    fusionner_partenaires(bilan["caf"], bilan["cdas"])
    assert not Partenaire.objects.filter(nom="CAF").exists()
    # An administrator tries to delete the fiche, from the app and from the admin.
    admin_client = client.__class__()
    admin_client.force_login(administrateur)
    reponse = admin_client.post(reverse("actions:supprimer", args=[evaluee.pk]), follow=True)
    assert "ne peut plus être supprimée" in reponse.content.decode()
    admin_client.post(reverse("admin:actions_action_delete", args=[evaluee.pk]), {"post": "yes"})
    assert Action.objects.filter(pk=evaluee.pk).exists()

    assert _pages(client, bilan) == avant


def test_the_fiche_of_a_closed_review_cannot_be_deleted(bilan):
    with pytest.raises((ProtectedError, RestrictedError), match="Bilan 2024, clos"):
        bilan["seule"].delete()
    assert Evaluation.objects.filter(campagne=bilan["campagne"]).count() == 2


def test_a_new_fiche_after_the_closing_is_not_in_the_closed_review(bilan):
    ActionFactory(objectif=bilan["objectif"], numero=3)
    assert bilan["campagne"].avancement().comptees == 2


def test_an_evaluation_saved_while_the_review_closes_is_refused(client, agent, bilan):
    """The save re-reads the campaign under a lock: a page opened before the closing and
    posted after it is refused, and nothing lands after ``closed_at``."""
    campagne = bilan["campagne"]
    Campagne.objects.filter(pk=campagne.pk).update(statut=StatutCampagne.OUVERTE, closed_at=None)
    url = reverse("evaluations:evaluer", args=[campagne.pk, bilan["seule"].pk])
    client.force_login(agent)
    page = client.get(url)
    donnees = donnees_du_formulaire(page)
    donnees.update(statut="en_cours", taux_realisation="40", appreciation="partiellement_atteint")
    Campagne.objects.filter(pk=campagne.pk).update(
        statut=StatutCampagne.CLOSE, closed_at=timezone.now()
    )
    ouverte = Campagne.objects.get(pk=campagne.pk)
    ouverte.statut, ouverte.closed_at = StatutCampagne.OUVERTE, None  # as the view first saw it
    with mock.patch("evaluations.views.evaluation._get_campagne_du_projet", return_value=ouverte):
        reponse = client.post(url, donnees)
    assert reponse.status_code == 403
    assert Evaluation.objects.get(campagne=campagne, action=bilan["seule"]).appreciation == ""


def test_reopening_clears_the_snapshot_and_closing_writes_it_anew(administrateur, bilan):
    campagne = bilan["campagne"]
    campagne.rouvrir(administrateur)
    assert not campagne.evaluations.filter(numero_axe__isnull=False).exists()
    assert Reunion.objects.get(pk=bilan["reunion"].pk).partenaires_cloture == []
    Action.objects.filter(pk=bilan["seule"].pk).update(intitule="Guide 2025")
    campagne.clore(administrateur)
    ligne = campagne.evaluations.get(action=bilan["seule"])
    assert ligne.intitule_action == "Guide 2025"
    assert campagne.history.first().history_change_reason == "Clôture du bilan"


def test_an_indicator_deleted_in_an_open_review_takes_its_measures(bilan):
    ouverte = CampagneFactory(projet=bilan["campagne"].projet, annee=2025)
    indicateur = IndicateurFactory(action=bilan["seule"])
    MesureFactory(
        evaluation=EvaluationFactory(campagne=ouverte, action=bilan["seule"]),
        indicateur=indicateur,
    )
    indicateur.delete()
    assert not Mesure.objects.filter(evaluation__campagne=ouverte).exists()
    assert not Indicateur.objects.filter(pk=indicateur.pk).exists()


# --- The admin cannot change a closed review either --------------------------------------


def test_the_admin_refuses_to_change_or_delete_a_closed_review(client, administrateur, bilan):
    campagne = bilan["campagne"]
    client.force_login(administrateur)  # a superuser
    assert administrateur.is_superuser
    change = reverse("admin:evaluations_campagne_change", args=[campagne.pk])
    reponse = client.post(change, {"synthese": "Réécrite", "version": campagne.version})
    assert reponse.status_code == 403
    suppression = reverse("admin:evaluations_campagne_delete", args=[campagne.pk])
    assert client.post(suppression, {"post": "yes"}).status_code == 403
    campagne.refresh_from_db()
    assert campagne.est_close and campagne.synthese == ""


def test_the_admin_refuses_to_change_the_meeting_of_a_closed_review(client, administrateur, bilan):
    reunion = bilan["reunion"]
    client.force_login(administrateur)
    change = reverse("admin:evaluations_reunion_change", args=[reunion.pk])
    assert client.post(change, {"intitule": "Autre", "version": reunion.version}).status_code == 403
    reunion.refresh_from_db()
    assert reunion.intitule == "Réunion partenariale du bilan 2024"


def test_the_admin_refuses_to_attach_a_meeting_to_a_closed_review(client, administrateur, bilan):
    reunion = ReunionFactory(projet=bilan["campagne"].projet, type=TypeReunion.COMITE_PILOTAGE)
    client.force_login(administrateur)
    change = reverse("admin:evaluations_reunion_change", args=[reunion.pk])
    donnees = {
        "projet": reunion.projet_id,
        "campagne": bilan["campagne"].pk,
        "type": TypeReunion.BILAN_ANNUEL,
        "date": "2025-02-05",
        "intitule": "Seconde réunion",
        "lieu": "",
        "compte_rendu": "",
        "version": reunion.version,
        **{champ: "1" for champ in Reunion.CATEGORIES},
    }
    reponse = client.post(change, donnees)
    assert reponse.status_code == 200
    assert "Ce bilan est clos : on ne peut plus y rattacher de réunion." in reponse.content.decode()
    reunion.refresh_from_db()
    assert reunion.campagne_id is None


def test_the_admin_closes_a_review_with_its_snapshot(client, administrateur, bilan):
    ouverte = CampagneFactory(projet=bilan["campagne"].projet, annee=2025)
    client.force_login(administrateur)
    client.post(
        reverse("admin:evaluations_campagne_changelist"),
        {"action": "clore", "_selected_action": [ouverte.pk]},
    )
    ouverte.refresh_from_db()
    assert ouverte.est_close
    assert ouverte.evaluations.filter(numero_axe=1).count() == 2


def test_the_admin_lists_the_row_of_a_fiche_deleted_before_the_snapshots(
    client, administrateur, bilan
):
    """The migration keeps, detached, the row of a fiche deleted before it ran."""
    Evaluation.objects.filter(action=bilan["seule"]).update(action=None)
    client.force_login(administrateur)
    reponse = client.get(reverse("admin:evaluations_evaluation_changelist"))
    assert reponse.status_code == 200
    assert "Guide des services" in reponse.content.decode()


def test_closing_keeps_what_was_saved_since_the_review_was_read(administrateur, projet):
    campagne = CampagneFactory(projet=projet, annee=2025)
    lue = Campagne.objects.get(pk=campagne.pk)  # the page that closes it was opened here
    Campagne.objects.filter(pk=campagne.pk).update(synthese="Écrite entre-temps", version=2)
    lue.clore(administrateur)
    campagne.refresh_from_db()
    assert (campagne.statut, campagne.synthese, campagne.version) == (
        StatutCampagne.CLOSE,
        "Écrite entre-temps",
        3,
    )
    assert campagne.history.first().history_user == administrateur
    assert lue.est_close and lue.synthese == "Écrite entre-temps"
