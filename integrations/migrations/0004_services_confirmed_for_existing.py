from django.db import migrations
from django.db.models import F


def confirm_existing(apps, schema_editor):  # type: ignore[no-untyped-def]
    # Connections made before the services step existed were already syncing every service.
    Connection = apps.get_model("integrations", "Connection")
    Connection.objects.filter(services_confirmed_at__isnull=True).exclude(
        provider="pagerduty"
    ).update(services_confirmed_at=F("connected_at"))


class Migration(migrations.Migration):
    dependencies = [("integrations", "0003_pagerduty_connection_fields_services")]
    operations = [migrations.RunPython(confirm_existing, migrations.RunPython.noop)]
