from datetime import timedelta

from django.db import migrations
from django.db.models import F
from django.utils import timezone

# The policy's default maximum (SpecialCasePolicy.max_months), as days.
DEFAULT_MAX = timedelta(days=365)


def expire(apps, schema_editor):
    """Special cases made before expiries were required: one without an expiry gets the
    policy's default maximum from its creation; one that expired before the history recorded
    expiries is marked recorded (its expiry predates the history, which would otherwise stamp
    it with the time of this migration)."""
    SpecialCase = apps.get_model("checks", "SpecialCase")
    for case in SpecialCase.objects.filter(expires_at__isnull=True).only("pk", "created_at"):
        SpecialCase.objects.filter(pk=case.pk).update(expires_at=case.created_at + DEFAULT_MAX)
    SpecialCase.objects.filter(
        expires_at__lte=timezone.now(), expiry_recorded_at__isnull=True
    ).update(expiry_recorded_at=F("expires_at"))


class Migration(migrations.Migration):
    dependencies = [("checks", "0003_history_events_special_case_policy")]

    operations = [migrations.RunPython(expire, migrations.RunPython.noop)]
