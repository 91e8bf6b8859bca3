"""Every named constraint, violated once: a French message from full_clean() (what forms show)
and an IntegrityError from the database (what protects the data), with nothing saved."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from actions.enums import StatutAction
from evaluations.enums import StatutCampagne
from evaluations.models import Evaluation
from tests.actions.factories import (
    ActionFactory,
    ActionPartenaireFactory,
    IndicateurFactory,
    LigneBudgetFactory,
)
from tests.axes.factories import AxeFactory, ObjectifFactory, ProjetSocialFactory
from tests.evaluations.factories import CampagneFactory, EvaluationFactory, MesureFactory


def _periode_inversee():
    return ProjetSocialFactory.build(annee_debut=2027, annee_fin=2023)


def _axe_numero_double():
    axe = AxeFactory(numero=1)
    return AxeFactory.build(projet=axe.projet, numero=1)


def _axe_numero_zero():
    return AxeFactory.build(projet=ProjetSocialFactory(), numero=0)


def _objectif_numero_double():
    objectif = ObjectifFactory(numero=3)
    return ObjectifFactory.build(axe=objectif.axe, numero=3)


def _objectif_numero_zero():
    return ObjectifFactory.build(axe=AxeFactory(), numero=0)


def _action_numero_double():
    action = ActionFactory(numero=2)
    return ActionFactory.build(objectif=action.objectif, numero=2)


def _action_numero_zero():
    return ActionFactory.build(objectif=ObjectifFactory(), numero=0)


def _action_dates_inversees():
    return ActionFactory.build(
        objectif=ObjectifFactory(),
        date_debut=datetime.date(2025, 6, 1),
        echeance=datetime.date(2025, 1, 31),
    )


def _partenaire_deux_fois():
    lien = ActionPartenaireFactory()
    return ActionPartenaireFactory.build(action=lien.action, partenaire=lien.partenaire)


def _budget_prevu_negatif():
    return LigneBudgetFactory.build(action=ActionFactory(), montant_prevu=Decimal("-10"))


def _budget_realise_negatif():
    return LigneBudgetFactory.build(action=ActionFactory(), montant_realise=Decimal("-0.01"))


def _cible_negative():
    return IndicateurFactory.build(action=ActionFactory(), valeur_cible=Decimal("-5"))


def _campagne_double():
    campagne = CampagneFactory(annee=2025)
    return CampagneFactory.build(projet=campagne.projet, annee=2025)


def _campagne_close_sans_date():
    return CampagneFactory.build(projet=ProjetSocialFactory(), statut=StatutCampagne.CLOSE)


def _evaluation_double():
    evaluation = EvaluationFactory()
    return EvaluationFactory.build(campagne=evaluation.campagne, action=evaluation.action)


def _taux_trop_grand():
    return EvaluationFactory.build(
        campagne=CampagneFactory(), action=ActionFactory(), taux_realisation=101
    )


def _realisee_sans_100():
    return EvaluationFactory.build(
        campagne=CampagneFactory(),
        action=ActionFactory(),
        statut=StatutAction.REALISEE,
        taux_realisation=80,
    )


def _mesure_double():
    mesure = MesureFactory()
    return MesureFactory.build(evaluation=mesure.evaluation, indicateur=mesure.indicateur)


CAS = [
    (_periode_inversee, "L'année de début doit précéder ou égaler l'année de fin."),
    (_axe_numero_double, "Un axe porte déjà ce numéro dans ce projet social."),
    (_axe_numero_zero, "Le numéro de l'axe doit être supérieur ou égal à 1."),
    (_objectif_numero_double, "Un objectif porte déjà ce numéro dans cet axe."),
    (_objectif_numero_zero, "Le numéro de l'objectif doit être supérieur ou égal à 1."),
    (_action_numero_double, "Une action porte déjà ce numéro dans cet objectif."),
    (_action_numero_zero, "Le numéro de l'action doit être supérieur ou égal à 1."),
    (_action_dates_inversees, "La date de début doit précéder ou égaler l'échéance."),
    (_partenaire_deux_fois, "Ce partenaire est déjà associé à cette action."),
    (_budget_prevu_negatif, "Le montant prévu ne peut pas être négatif."),
    (_budget_realise_negatif, "Le montant réalisé ne peut pas être négatif."),
    (_cible_negative, "La valeur cible ne peut pas être négative."),
    (_campagne_double, "Une campagne existe déjà pour cette année."),
    (_campagne_close_sans_date, "Une campagne close doit avoir une date de clôture."),
    (_evaluation_double, "Cette action a déjà une évaluation dans cette campagne."),
    (_taux_trop_grand, "Le taux de réalisation doit être compris entre 0 et 100."),
    (_realisee_sans_100, "Une action réalisée a un taux de réalisation de 100 %."),
    (_mesure_double, "Cet indicateur a déjà une valeur dans cette évaluation."),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("construire", "message"), CAS, ids=[c[0].__name__ for c in CAS])
def test_constraint_gives_french_message_and_saves_nothing(construire, message):
    instance = construire()
    model = type(instance)
    before = model.objects.count()

    with pytest.raises(ValidationError) as excinfo:
        instance.full_clean()
    assert message in excinfo.value.messages

    with pytest.raises(IntegrityError), transaction.atomic():
        instance.save()
    assert model.objects.count() == before


@pytest.mark.parametrize(
    ("statut", "taux"),
    [(StatutAction.EN_COURS, 0), (StatutAction.EN_COURS, 100), (StatutAction.REALISEE, 100)],
)
def test_taux_bounds_are_accepted_and_saved(action, statut, taux):
    """0 and 100 pass validation and the database constraints (réalisée: 100 only)."""
    campagne = CampagneFactory(projet=action.objectif.axe.projet)
    evaluation = EvaluationFactory.build(
        campagne=campagne, action=action, statut=statut, taux_realisation=taux
    )

    evaluation.full_clean()
    evaluation.save()

    evaluation = Evaluation.objects.get(pk=evaluation.pk)
    assert (evaluation.statut, evaluation.taux_realisation) == (statut, taux)


def test_taux_above_100_is_refused_by_the_database_on_writes_that_skip_validation(action):
    """A queryset update and a bulk insert never call full_clean(): the named constraint
    refuses 101 (as it refuses a plain save, in CAS). -1 is not tried: a
    PositiveSmallIntegerField does not store it on every database, whatever the constraint."""
    campagne = CampagneFactory(projet=action.objectif.axe.projet)
    evaluation = EvaluationFactory(campagne=campagne, action=action, taux_realisation=100)
    contrainte = "evaluations_evaluation_taux_0_100"

    with pytest.raises(IntegrityError, match=contrainte), transaction.atomic():
        Evaluation.objects.filter(pk=evaluation.pk).update(taux_realisation=101)
    evaluation.refresh_from_db()
    assert evaluation.taux_realisation == 100

    autre = EvaluationFactory.build(
        campagne=CampagneFactory(projet=campagne.projet, annee=campagne.annee + 1),
        action=action,
        taux_realisation=101,
    )
    with pytest.raises(IntegrityError, match=contrainte), transaction.atomic():
        Evaluation.objects.bulk_create([autre])
    assert list(Evaluation.objects.values_list("pk", "taux_realisation")) == [(evaluation.pk, 100)]
