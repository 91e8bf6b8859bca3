from django.apps import AppConfig


class EvaluationsConfig(AppConfig):
    verbose_name = "Évaluations et bilans annuels"
    name = "evaluations"
    default_auto_field = "django.db.models.BigAutoField"
