import datetime
from decimal import Decimal

import factory

from actions.enums import NatureBudget, RolePartenaire, StatutAction, TypeIndicateur
from actions.models import (
    Action,
    ActionPartenaire,
    Etape,
    Indicateur,
    LigneBudget,
    Partenaire,
    PublicCible,
)
from tests.axes.factories import ObjectifFactory


class PublicCibleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PublicCible
        django_get_or_create = ("libelle",)

    libelle = factory.Sequence(lambda n: f"Public n°{n}")


class PartenaireFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Partenaire

    nom = factory.Sequence(lambda n: f"Partenaire n°{n}")


class ActionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Action

    objectif = factory.SubFactory(ObjectifFactory)
    numero = factory.Sequence(lambda n: n + 1)
    intitule = factory.Sequence(lambda n: f"Action n°{n}")
    statut = StatutAction.EN_COURS
    date_debut = datetime.date(2024, 1, 1)
    echeance = datetime.date(2030, 12, 31)

    class Params:
        en_retard = factory.Trait(echeance=datetime.date(2024, 6, 30))
        abandonnee = factory.Trait(
            statut=StatutAction.ABANDONNEE, motif_abandon="Besoin couvert par un partenaire."
        )
        realisee = factory.Trait(statut=StatutAction.REALISEE)


class ActionPartenaireFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ActionPartenaire

    action = factory.SubFactory(ActionFactory)
    partenaire = factory.SubFactory(PartenaireFactory)
    role = RolePartenaire.CONTRIBUTEUR


class IndicateurFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Indicateur

    action = factory.SubFactory(ActionFactory)
    libelle = factory.Sequence(lambda n: f"Indicateur n°{n}")
    type = TypeIndicateur.REALISATION
    unite = "personnes"
    valeur_cible = Decimal("40")


class EtapeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Etape

    action = factory.SubFactory(ActionFactory)
    libelle = factory.Sequence(lambda n: f"Étape n°{n}")
    echeance = datetime.date(2025, 6, 30)


class LigneBudgetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LigneBudget

    action = factory.SubFactory(ActionFactory)
    annee = 2025
    nature = NatureBudget.FONCTIONNEMENT
    montant_prevu = Decimal("1500.00")
