from django.db import migrations

from accounts.roles import sync_role_groups


class Migration(migrations.Migration):
    """Admins manage the app's users on Settings → Users; auditors read the list."""

    dependencies = [("accounts", "0008_sign_in_lockouts")]

    operations = [migrations.RunPython(sync_role_groups, migrations.RunPython.noop)]
