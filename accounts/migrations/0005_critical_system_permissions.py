from django.db import migrations

from accounts.roles import sync_role_groups


class Migration(migrations.Migration):
    """Admins manage critical systems and account mappings; auditors read them."""

    dependencies = [
        ("accounts", "0004_audit_log_permission"),
        ("access", "0001_access_management"),
    ]

    operations = [migrations.RunPython(sync_role_groups, migrations.RunPython.noop)]
