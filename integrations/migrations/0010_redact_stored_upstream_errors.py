"""Clean what was stored before upstream text was redacted and disconnects erased credentials.

Sync runs' errors (and their streams' errors) and connections' last errors may hold a key or
token an upstream repeated; connections already disconnected still hold their credentials. The
first are redacted with each connection's own credentials, the second erased. (No upstream is
called here: OAuth tokens of connections disconnected before this release are not revoked.)"""

import json

from django.db import migrations

from integrations.redaction import credential_secrets, redact


def _secrets(raw: str) -> list[str]:
    try:
        credentials = json.loads(raw) if raw else {}
    except ValueError:
        return []
    return credential_secrets(credentials) if isinstance(credentials, dict) else []


def _counts(counts, secrets):  # type: ignore[no-untyped-def]
    if not isinstance(counts, dict):
        return counts
    return {
        name: {**stream, "error": redact(stream["error"], secrets)}
        if isinstance(stream, dict) and isinstance(stream.get("error"), str)
        else stream
        for name, stream in counts.items()
    }


def clean(apps, schema_editor):  # type: ignore[no-untyped-def]
    Connection = apps.get_model("integrations", "Connection")
    SyncRun = apps.get_model("integrations", "SyncRun")
    for connection in Connection.objects.all():
        secrets = _secrets(connection.credentials)
        for run in SyncRun.objects.filter(connection=connection).only("error", "counts").iterator():
            error, counts = redact(run.error, secrets), _counts(run.counts, secrets)
            if error != run.error or counts != run.counts:
                run.error, run.counts = error, counts
                run.save(update_fields=["error", "counts"])
        changed = []
        last_error = redact(connection.last_error, secrets)
        if last_error != connection.last_error:
            connection.last_error = last_error
            changed.append("last_error")
        if connection.status == "disconnected" and connection.credentials:
            connection.credentials, connection.credential_hint = "", ""
            changed += ["credentials", "credential_hint"]
        if changed:
            connection.save(update_fields=changed)


class Migration(migrations.Migration):
    dependencies = [("integrations", "0009_connection_credentials_erasable")]
    operations = [migrations.RunPython(clean, migrations.RunPython.noop)]
