from django.db import migrations

from accounts.roles import sync_role_groups


class Migration(migrations.Migration):
    """Every role may read incidents (ROLE_PERMISSIONS)."""

    dependencies = [("accounts", "0001_role_groups"), ("incidents", "0001_initial")]

    operations = [migrations.RunPython(sync_role_groups, migrations.RunPython.noop)]
