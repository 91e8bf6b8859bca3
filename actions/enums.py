from django.db import models


class StatutAction(models.TextChoices):
    A_LANCER = "a_lancer", "À lancer"
    EN_COURS = "en_cours", "En cours"
    REALISEE = "realisee", "Réalisée"
    REPORTEE = "reportee", "Reportée"
    ABANDONNEE = "abandonnee", "Abandonnée"


# An action with one of these statuses is never "en retard".
STATUTS_TERMINES = (StatutAction.REALISEE, StatutAction.ABANDONNEE)


class Priorite(models.TextChoices):
    HAUTE = "haute", "Haute"
    MOYENNE = "moyenne", "Moyenne"
    BASSE = "basse", "Basse"


class TypePartenaire(models.TextChoices):
    INSTITUTION = "institution", "Institution"
    ASSOCIATION = "association", "Association"
    ENTREPRISE = "entreprise", "Entreprise"
    SERVICE_MUNICIPAL = "service_municipal", "Service municipal"
    BAILLEUR_SOCIAL = "bailleur_social", "Bailleur social"
    AUTRE = "autre", "Autre"


class RolePartenaire(models.TextChoices):
    CO_PILOTE = "co_pilote", "Co-pilote"
    FINANCEUR = "financeur", "Financeur"
    CONTRIBUTEUR = "contributeur", "Contributeur"
    RELAIS = "relais", "Relais"


class NatureBudget(models.TextChoices):
    FONCTIONNEMENT = "fonctionnement", "Fonctionnement"
    INVESTISSEMENT = "investissement", "Investissement"


class TypeIndicateur(models.TextChoices):
    REALISATION = "realisation", "Réalisation"
    RESULTAT = "resultat", "Résultat"


class SensIndicateur(models.TextChoices):
    HAUSSE = "hausse", "Plus haut = mieux"
    BAISSE = "baisse", "Plus bas = mieux"
