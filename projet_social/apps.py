from django.apps import AppConfig, apps
from django.db.backends.signals import connection_created
from django.db.models.signals import post_migrate


class ProjetSocialConfig(AppConfig):
    name = "projet_social"
    verbose_name = "Projet social"

    def ready(self) -> None:
        # The receivers of the middleware module (the login's time, for the sliding session)
        # are connected before any request, not when the first one loads the middleware.
        import projet_social.middleware  # noqa: F401
        from projet_social.generation import installer_declencheurs
        from projet_social.roles import creer_groupes_absents
        from projet_social.search import register_sqlite_functions

        connection_created.connect(register_sqlite_functions, dispatch_uid="ps_sqlite_functions")
        # Sent once per app with models; "evaluations" is the last of ours in INSTALLED_APPS,
        # so the permissions of all three apps exist by then.
        post_migrate.connect(
            creer_groupes_absents,
            sender=apps.get_app_config("evaluations"),
            dispatch_uid="ps_groupes",
        )
        # The triggers that log every write to the plan's tables, new tables included.
        post_migrate.connect(
            installer_declencheurs,
            sender=apps.get_app_config("evaluations"),
            dispatch_uid="ps_declencheurs",
        )
