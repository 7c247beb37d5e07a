from django.db import migrations, models


def saved_once(apps, schema_editor):
    """Every stored person was saved at least once: version 0 is kept for a form's blank
    record (lib/concurrency.py)."""
    apps.get_model("access", "StaffMember").objects.update(version=1)


class Migration(migrations.Migration):
    dependencies = [
        ("access", "0004_account_connection_index_redundant"),
    ]

    operations = [
        migrations.AddField(
            model_name="staffmember",
            name="version",
            field=models.PositiveIntegerField(
                default=0,
                editable=False,
                help_text="Saves so far: a form saved over a newer one is refused.",
            ),
        ),
        migrations.RunPython(saved_once, migrations.RunPython.noop),
    ]
