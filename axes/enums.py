from django.db import models


class StatutProjet(models.TextChoices):
    EN_PREPARATION = "en_preparation", "En préparation"
    ADOPTE = "adopte", "Adopté"
    CLOS = "clos", "Clos"
