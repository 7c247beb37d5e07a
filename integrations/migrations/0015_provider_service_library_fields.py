"""The Data library's services pages: a service's folded name (search), when a sync first stored
it, and its upstream item. Existing rows get their folded name now and ``synced_at`` as first
seen (the earliest time known); their upstream item arrives with the next sync."""

from django.db import migrations, models

from lib.search import fold


def fill(apps, schema_editor):  # type: ignore[no-untyped-def]
    services = apps.get_model("integrations", "ProviderService")
    rows = list(services.objects.only("pk", "name", "synced_at"))
    for row in rows:
        row.search_text = fold(row.name)[:255]
        row.first_seen_at = row.synced_at
    services.objects.bulk_update(rows, ["search_text", "first_seen_at"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("integrations", "0014_connection_move"),
    ]

    operations = [
        migrations.AddField(
            model_name="providerservice",
            name="first_seen_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="providerservice",
            name="raw",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.AddField(
            model_name="providerservice",
            name="search_text",
            field=models.CharField(blank=True, default="", max_length=255),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
