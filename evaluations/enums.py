from django.db import models


class StatutCampagne(models.TextChoices):
    OUVERTE = "ouverte", "Ouverte"
    CLOSE = "close", "Close"


class Appreciation(models.TextChoices):
    ATTEINT = "atteint", "Atteint"
    PARTIELLEMENT_ATTEINT = "partiellement_atteint", "Partiellement atteint"
    NON_ATTEINT = "non_atteint", "Non atteint"
    TROP_TOT = "trop_tot", "Trop tôt pour le dire"


class TypeReunion(models.TextChoices):
    CONCERTATION = "concertation", "Concertation"
    BILAN_ANNUEL = "bilan_annuel", "Bilan annuel (réunion partenariale)"
    COMITE_PILOTAGE = "comite_pilotage", "Comité de pilotage"
