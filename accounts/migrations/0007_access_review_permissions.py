from django.db import migrations

from accounts.roles import sync_role_groups


class Migration(migrations.Migration):
    """Admins run access reviews; auditors read them. Staff reviewers need no permission: the
    review views let them decide exactly the items assigned to them."""

    dependencies = [
        ("accounts", "0006_staff_directory_permissions"),
        ("access", "0003_access_reviews"),
    ]

    operations = [migrations.RunPython(sync_role_groups, migrations.RunPython.noop)]
