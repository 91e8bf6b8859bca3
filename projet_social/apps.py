from django.apps import AppConfig
from django.db.backends.signals import connection_created


class ProjetSocialConfig(AppConfig):
    name = "projet_social"
    verbose_name = "Projet social"

    def ready(self) -> None:
        from projet_social.search import register_sqlite_functions

        connection_created.connect(register_sqlite_functions, dispatch_uid="ps_sqlite_functions")
