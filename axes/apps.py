from django.apps import AppConfig


class AxesConfig(AppConfig):
    verbose_name = "Plan : axes et objectifs"
    name = "axes"
    default_auto_field = "django.db.models.BigAutoField"
