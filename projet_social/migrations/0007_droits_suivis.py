from django.db import migrations


def installer(apps, schema_editor):
    from projet_social.generation import installer_declencheurs

    installer_declencheurs(schema_editor.connection.alias)


class Migration(migrations.Migration):
    """The log of the writes also follows who may do what (groups of the users, rights of
    the groups and of the users): a server process keeps a user's rights until it changes
    (projet_social/generation.py). Installed here so that an upgrade's ``migrate`` sets the
    new triggers even without another migration to apply."""

    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("projet_social", "0006_ecritures"),
    ]

    operations = [
        migrations.RunPython(installer, migrations.RunPython.noop),
    ]
