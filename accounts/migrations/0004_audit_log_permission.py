from django.db import migrations

from accounts.roles import sync_role_groups


class Migration(migrations.Migration):
    """Admins and auditors read the audit log (ROLE_PERMISSIONS)."""

    dependencies = [("accounts", "0003_check_and_data_loss_permissions"), ("audit", "0001_initial")]

    operations = [migrations.RunPython(sync_role_groups, migrations.RunPython.noop)]
