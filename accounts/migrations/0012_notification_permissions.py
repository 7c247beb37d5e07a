from django.db import migrations

from accounts.roles import sync_role_groups


class Migration(migrations.Migration):
    """Admins manage notification channels; auditors read them and their delivery logs."""

    dependencies = [
        ("accounts", "0011_mfa_policy_version"),
        ("notifications", "0001_channels_and_deliveries"),
    ]

    operations = [migrations.RunPython(sync_role_groups, migrations.RunPython.noop)]
