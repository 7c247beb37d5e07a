"""Fetch: OpsGenie's configuration objects as snapshot streams (reference/opsgenie-api.md §5),
each one whole listing a run, yielded as canonical ``ConfigRecord``s (``config_mapping``) for
the Data library's store.

None of these listings is paged upstream. Calls per run: teams 1 + one per team (the members;
the accounts stream reuses them), escalations 1, schedules 1, on-calls 1 (the schedules, unless
this run read them already) + one timeline per schedule, heartbeats 1, integrations 1. All need
a key with Configuration access; without it each stream is skipped with that said, and the
incidents sync on.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

from integrations.config_records import ConfigRecord
from integrations.http import ErrorKind, UpstreamError
from integrations.providers.opsgenie.client import OpsgenieClient
from integrations.providers.opsgenie.config_mapping import config_record

# On-calls: who is on call from now to two weeks on (the schedule's final timeline).
ON_CALL_WINDOW = {"interval": 2, "intervalUnit": "weeks"}
NEEDS = "an API key with Configuration access (read)"


def _malformed(what: str) -> UpstreamError:
    return UpstreamError(ErrorKind.MALFORMED, message=f"OpsGenie answered {what} without it")


def records_of(kind: str, items: Any, *, key: str = "id") -> list[ConfigRecord]:
    """The ``kind`` stream's items in canonical form (``config_mapping``)."""
    if not isinstance(items, list):
        raise _malformed(f"a listing of {key}s")
    records = []
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get(key), str) or not item[key]:
            raise UpstreamError(ErrorKind.MALFORMED, message=f"an item without its {key}")
        records.append(config_record(kind, item[key], item))
    return records


class OpsgenieConfig:
    """The readers of the configuration streams, for one run."""

    def __init__(self, client: OpsgenieClient) -> None:
        self.client = client
        self._teams: list[dict[str, Any]] | None = None
        self._schedules: list[ConfigRecord] | None = None

    def read(self, path: str, params: dict[str, Any] | None = None, *, listed: bool = True) -> Any:
        """The answer's ``data``; a listing's must be a list (else retried like a 5xx)."""
        url = f"{self.client.base_url}{path}"
        require = "data" if listed else None
        body = self.client.session.get_json(url, params=params, require=require).data
        if not isinstance(body, dict) or "data" not in body:
            raise _malformed("an answer")
        return body["data"]

    def team_details(self) -> list[dict[str, Any]]:
        """Every team as ``GET /v2/teams/{id}`` answers it (with ``members``); read once a run."""
        if self._teams is None:
            details = []
            for team in records_of("teams", self.read("/v2/teams")):
                path = f"/v2/teams/{quote(team.upstream_id, safe='')}"
                detail = self.read(path, {"identifierType": "id"}, listed=False)
                if not isinstance(detail, dict):
                    raise _malformed("a team")
                details.append(detail)
            self._teams = details
        return self._teams

    def teams(self) -> Iterator[list[ConfigRecord]]:
        yield records_of("teams", self.team_details())

    def escalations(self) -> Iterator[list[ConfigRecord]]:
        yield records_of("escalations", self.read("/v2/escalations"))

    def schedules(self) -> Iterator[list[ConfigRecord]]:
        self._schedules = records_of(
            "schedules", self.read("/v2/schedules", {"expand": "rotation"})
        )
        yield self._schedules

    def schedule_list(self) -> list[ConfigRecord]:
        """The schedules this run read (without their rotations if the schedules stream is off);
        the on-calls and the overrides are read for each."""
        if self._schedules is None:
            self._schedules = records_of("schedules", self.read("/v2/schedules"))
        return self._schedules

    def on_calls(self) -> Iterator[list[ConfigRecord]]:
        """One record per schedule: its final timeline for the next 14 days."""
        records = []
        for schedule in self.schedule_list():
            path = f"/v2/schedules/{quote(schedule.upstream_id, safe='')}/timeline"
            timeline = self.read(path, {"identifierType": "id", **ON_CALL_WINDOW}, listed=False)
            if not isinstance(timeline, dict):
                raise _malformed("a schedule timeline")
            records.append(config_record("on_calls", schedule.upstream_id, timeline))
        yield records

    def heartbeats(self) -> Iterator[list[ConfigRecord]]:
        # Wrapped: data.heartbeats[], not a bare list; a heartbeat's key is its name.
        data = self.read("/v2/heartbeats", listed=False)
        beats = data.get("heartbeats") if isinstance(data, dict) else None
        yield records_of("heartbeats", beats, key="name")

    def integrations(self) -> Iterator[list[ConfigRecord]]:
        yield records_of("integrations", self.read("/v2/integrations"))
