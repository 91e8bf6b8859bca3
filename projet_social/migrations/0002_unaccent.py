from django.contrib.postgres.operations import UnaccentExtension
from django.db import migrations


class Migration(migrations.Migration):
    """Accent-insensitive search on PostgreSQL (a no-op on SQLite)."""

    dependencies = [("projet_social", "0001_groupes_et_permissions")]

    operations = [UnaccentExtension()]
