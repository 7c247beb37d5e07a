from django.db import migrations, models


def saved_once(apps, schema_editor):
    """Every stored report was saved at least once: version 0 means "no report yet" to a form
    (lib/concurrency.py), so a form loaded on an old report must carry 1."""
    apps.get_model("incidents", "DataLossReport").objects.update(version=1)


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0008_incident_accent_insensitive_search"),
    ]

    operations = [
        migrations.AddField(
            model_name="datalossreport",
            name="version",
            field=models.PositiveIntegerField(
                default=0,
                editable=False,
                help_text="Saves so far: a form saved over a newer one is refused.",
            ),
        ),
        migrations.RunPython(saved_once, migrations.RunPython.noop),
    ]
