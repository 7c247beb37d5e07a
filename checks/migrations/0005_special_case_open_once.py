from django.db import migrations, models
from django.utils import timezone


def one_open_case_per_item(apps, schema_editor):
    """Before the database holds one open special case per check and item, close the extra
    ones a double submit made. The case kept is the one that covers the item longest (the
    first made, among equals); an extra one already expired is marked as such (as 0004 did),
    one still in force is ended, with the reason, so the evidence says what happened."""
    SpecialCase = apps.get_model("checks", "SpecialCase")
    now = timezone.now()
    cases: dict[tuple[int, str], list] = {}
    open_cases = SpecialCase.objects.filter(
        ended_at__isnull=True, expiry_recorded_at__isnull=True
    ).order_by("created_at", "pk")
    for case in open_cases:
        cases.setdefault((case.check_state_id, case.item_key), []).append(case)
    for same_item in cases.values():
        if len(same_item) < 2:
            continue
        # Never expiring first, then the latest expiry; the first made among equals.
        kept = min(
            same_item,
            key=lambda case: (case.expires_at is not None, -(case.expires_at or now).timestamp()),
        )
        for case in same_item:
            if case.pk == kept.pk:
                continue
            if case.expires_at is not None and case.expires_at <= now:
                case.expiry_recorded_at = case.expires_at
                case.save(update_fields=["expiry_recorded_at"])
            else:
                case.ended_at = now
                case.end_reason = (
                    f"A duplicate of special case #{kept.pk} of the same item, made by a "
                    "double submit: ended when an item could have only one open special case."
                )
                case.save(update_fields=["ended_at", "end_reason"])


class Migration(migrations.Migration):
    dependencies = [("checks", "0004_special_cases_expire")]

    operations = [
        migrations.RunPython(one_open_case_per_item, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="specialcase",
            constraint=models.UniqueConstraint(
                condition=models.Q(
                    ("ended_at__isnull", True), ("expiry_recorded_at__isnull", True)
                ),
                fields=("check_state", "item_key"),
                name="special_case_open_once",
            ),
        ),
    ]
