from django.db import migrations

from accounts.roles import sync_role_groups


class Migration(migrations.Migration):
    """Admins keep the staff directory and its org roles; auditors read them (ROLE_PERMISSIONS)."""

    dependencies = [
        ("accounts", "0005_critical_system_permissions"),
        ("access", "0001_access_management"),
    ]

    operations = [migrations.RunPython(sync_role_groups, migrations.RunPython.noop)]
