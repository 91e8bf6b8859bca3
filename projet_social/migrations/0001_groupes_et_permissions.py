from django.contrib.auth.management import create_permissions
from django.db import migrations

from projet_social.roles import APPS, synchroniser_groupes


def creer_groupes(apps, schema_editor):
    # Permissions are normally created after all migrations (post_migrate); create them now.
    for label in (*APPS, "auth"):
        app_config = apps.get_app_config(label)
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    synchroniser_groupes(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("axes", "0001_initial"),
        ("actions", "0001_initial"),
        ("evaluations", "0001_initial"),
    ]

    operations = [migrations.RunPython(creer_groupes, migrations.RunPython.noop)]
