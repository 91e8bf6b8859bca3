import factory

from axes.enums import StatutProjet
from axes.models import Axe, BesoinSocial, Objectif, ProjetSocial


class ProjetSocialFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProjetSocial

    intitule = factory.Sequence(lambda n: f"Projet social de territoire n°{n}")
    structure = "CCAS de Testville"
    annee_debut = 2023
    annee_fin = 2026
    statut = StatutProjet.ADOPTE


class AxeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Axe

    projet = factory.SubFactory(ProjetSocialFactory)
    numero = factory.Sequence(lambda n: n + 1)
    intitule = factory.Sequence(lambda n: f"Axe n°{n}")
    couleur = "#1f5f7a"


class ObjectifFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Objectif

    axe = factory.SubFactory(AxeFactory)
    numero = factory.Sequence(lambda n: n + 1)
    intitule = factory.Sequence(lambda n: f"Objectif n°{n}")


class BesoinSocialFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BesoinSocial

    projet = factory.SubFactory(ProjetSocialFactory)
    thematique = "Vieillissement"
    constat = "La part des plus de 75 ans augmente."
