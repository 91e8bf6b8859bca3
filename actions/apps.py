from django.apps import AppConfig


class ActionsConfig(AppConfig):
    verbose_name = "Fiches action et partenaires"
    name = "actions"
    default_auto_field = "django.db.models.BigAutoField"
