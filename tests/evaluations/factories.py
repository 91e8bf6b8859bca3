import datetime
from decimal import Decimal

import factory
from django.utils import timezone

from actions.enums import StatutAction
from evaluations.enums import Appreciation, StatutCampagne, TypeReunion
from evaluations.models import Campagne, Evaluation, Mesure, Reunion
from tests.actions.factories import ActionFactory, IndicateurFactory
from tests.axes.factories import ProjetSocialFactory


class CampagneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Campagne

    projet = factory.SubFactory(ProjetSocialFactory)
    annee = factory.Sequence(lambda n: 2024 + n)
    statut = StatutCampagne.OUVERTE

    class Params:
        close = factory.Trait(
            statut=StatutCampagne.CLOSE,
            closed_at=factory.LazyFunction(timezone.now),
        )


class EvaluationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Evaluation

    campagne = factory.SubFactory(CampagneFactory)
    action = factory.SubFactory(ActionFactory)
    statut = StatutAction.EN_COURS
    taux_realisation = 50
    appreciation = Appreciation.PARTIELLEMENT_ATTEINT


class MesureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Mesure

    evaluation = factory.SubFactory(EvaluationFactory)
    indicateur = factory.SubFactory(IndicateurFactory)
    valeur_realisee = Decimal("20")


class ReunionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Reunion

    projet = factory.SubFactory(ProjetSocialFactory)
    type = TypeReunion.CONCERTATION
    date = datetime.date(2023, 1, 26)
    intitule = "Réunion de concertation"
    nb_institutions = 3
    nb_associations = 2
