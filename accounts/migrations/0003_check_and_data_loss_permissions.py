from django.db import migrations

from accounts.roles import sync_role_groups


class Migration(migrations.Migration):
    """Data-loss reports (staff, admins), SLA policy, checks and evidence export (ROLE_PERMISSIONS)."""

    dependencies = [
        ("accounts", "0002_incident_permissions"),
        ("incidents", "0002_incidentpolicy_historicaldatalossreport_and_more"),
        ("checks", "0001_initial"),
    ]

    operations = [migrations.RunPython(sync_role_groups, migrations.RunPython.noop)]
