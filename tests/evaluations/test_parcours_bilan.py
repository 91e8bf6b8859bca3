"""Issue #4's check, end to end with the test client on the Gouesnou demo, posting what the
pages render: open the 2025 review, evaluate three actions (one with a moved échéance, one
abandoned with a reason), add an action decided at the meeting, record the meeting, close the
review; then nothing of it can be changed, and the fiche shows the new échéance and its
2024-2025 timeline."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from actions.enums import StatutAction
from actions.models import Action
from axes.models import Objectif
from evaluations.enums import Appreciation, StatutCampagne, TypeReunion
from evaluations.models import Campagne, Evaluation, Reunion
from tests.formulaires import lire_formulaire


@pytest.fixture
def demo(db, settings):
    settings.DEBUG = True  # charger_demo refuses to run otherwise
    call_command("charger_demo", stdout=io.StringIO())
    settings.DEBUG = False


def _action(code: str) -> Action:
    return Action.objects.au_code(*map(int, code.split("."))).get()


def _evaluer(client, campagne, action, **valeurs):
    url = reverse(
        "evaluations:evaluer", kwargs={"campagne_pk": campagne.pk, "action_pk": action.pk}
    )
    donnees = lire_formulaire(client.get(url))
    donnees.update(valeurs)
    return client.post(url, donnees)


def test_yearly_review_from_opening_to_closing(client, demo):
    assert client.login(username="agent", password="demo-gouesnou")
    bilan = Campagne.objects.get(annee=2025)
    page = client.get(reverse("evaluations:campagnes"))
    assert reverse("evaluations:campagne", args=[bilan.pk]) in page.content.decode()

    # Three evaluations: a moved échéance, an abandon with its reason, a plain one.
    deplacee, abandonnee, simple = _action("1.1.1"), _action("1.2.1"), _action("2.1.1")
    reponse = _evaluer(
        client,
        bilan,
        deplacee,
        appreciation=Appreciation.PARTIELLEMENT_ATTEINT,
        taux_realisation="60",
        nouvelle_echeance="2027-06-30",
        reajustements="Étendre les permanences au samedi matin.",
    )
    assert reponse.status_code == 302, reponse.content.decode()[:2000]
    reponse = _evaluer(
        client,
        bilan,
        abandonnee,
        appreciation=Appreciation.NON_ATTEINT,
        taux_realisation="10",
        statut=StatutAction.ABANDONNEE,
        motif_abandon="Le Département assure désormais ce service.",
    )
    assert reponse.status_code == 302, reponse.content.decode()[:2000]
    reponse = _evaluer(
        client, bilan, simple, appreciation=Appreciation.ATTEINT, taux_realisation="100"
    )
    assert reponse.status_code == 302

    deplacee.refresh_from_db()
    abandonnee.refresh_from_db()
    assert deplacee.echeance == datetime.date(2027, 6, 30)
    assert abandonnee.statut == StatutAction.ABANDONNEE
    assert abandonnee.motif_abandon == "Le Département assure désormais ce service."
    assert Evaluation.objects.saisies().filter(campagne=bilan).count() >= 3

    # An action decided at the meeting, created from the review.
    url = reverse("evaluations:action_nouvelle", args=[bilan.pk])
    formulaire = client.get(url)
    assert formulaire.status_code == 200
    donnees = lire_formulaire(formulaire)
    donnees.update(
        objectif=str(Objectif.objects.get(axe__numero=4, numero=1).pk),
        intitule="Atelier « bien vivre l'hiver » pour les seniors isolés",
    )
    reponse = client.post(url, donnees)
    assert reponse.status_code == 302, reponse.content.decode()[:2000]
    nouvelle = Action.objects.get(intitule__startswith="Atelier « bien vivre")
    assert nouvelle.decision.campagne == bilan

    # The réunion partenariale of the review.
    url = reverse("evaluations:reunion_creer") + f"?type=bilan_annuel&campagne={bilan.pk}"
    donnees = lire_formulaire(client.get(url))
    donnees.update(
        date="2026-01-29",
        nb_institutions="5",
        nb_associations="6",
        nb_techniciens="4",
        nb_elus="3",
        nb_benevoles="2",
        nb_usagers="1",
        compte_rendu="Bilan présenté ; trois réajustements validés.",
    )
    reponse = client.post(url, donnees)
    assert reponse.status_code == 302, reponse.content.decode()[:2000]
    reunion = Reunion.objects.get(campagne=bilan)
    assert reunion.type == TypeReunion.BILAN_ANNUEL
    assert reunion.nb_participants == 21

    page = client.get(reverse("evaluations:campagne", args=[bilan.pk])).content.decode()
    assert "Atelier « bien vivre l&#x27;hiver »" in page
    assert "Étendre les permanences au samedi matin." in page

    # Closing freezes the review.
    url = reverse("evaluations:clore", args=[bilan.pk])
    reponse = client.post(url, lire_formulaire(client.get(url)))
    assert reponse.status_code == 302
    bilan.refresh_from_db()
    assert bilan.statut == StatutCampagne.CLOSE and bilan.closed_at is not None
    page = client.get(reverse("evaluations:campagne", args=[bilan.pk])).content.decode()
    assert "Atelier « bien vivre l&#x27;hiver »" in page  # still among the new actions
    assert "nouvelle, décidée lors de ce bilan" in page

    url = reverse("evaluations:evaluer", kwargs={"campagne_pk": bilan.pk, "action_pk": simple.pk})
    lecture = client.get(url)
    assert lecture.status_code == 200
    assert 'name="taux_realisation"' not in lecture.content.decode()
    assert client.post(url, {"taux_realisation": "5", "appreciation": "atteint"}).status_code == 403
    assert Evaluation.objects.get(campagne=bilan, action=simple).taux_realisation == 100
    assert client.get(reverse("evaluations:campagne_modifier", args=[bilan.pk])).status_code == 403

    # The fiche: new échéance, the evaluations of 2024 and 2025, the reason in its history.
    fiche = client.get(reverse("actions:detail", args=[deplacee.pk])).content.decode()
    assert "30/06/2027" in fiche
    assert '<h3 class="h5 mb-0">2025</h3>' in fiche
    assert '<h3 class="h5 mb-0">2024</h3>' in fiche
    assert "Depuis l&#x27;évaluation du Bilan 2025" in fiche
