"""python manage.py notification_channel add|test|list|enable|disable — channels for scripts.

  add opsgenie|pagerduty --name NAME --endpoint us|eu|jsm --api-key-file F [--events all|GROUP,…]
      prints the new channel's id; the key is read from a file (or "-" for standard input),
      never from an argument, which would land in shell history and the process list.
  test ID      sends the test alerts (one per chosen group) and prints each answer.
  list         one line per channel: id, name, where it sends, state, failures over 12 hours.
  enable ID / disable ID

The same rules as the page apply (the channel form validates), and the same events are sent.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from lib.concurrency import RefusedMeanwhile
from lib.events import EventGroup, EventType
from notifications.channel_state import disable_channel, enable_channel
from notifications.forms import ChannelForm
from notifications.models import Channel, ChannelKind
from notifications.selectors import channel_rows
from notifications.services import channel_save
from notifications.trial import any_refused, run_trial

GROUPS = {group.value: group for group in EventGroup}


def event_types(spec: str) -> list[str]:
    """ "all" or a comma-separated list of groups (system, checks, incidents, access)."""
    names = [name.strip().lower() for name in spec.split(",") if name.strip()]
    if names == ["all"]:
        return [t.value for t in EventType]
    unknown = sorted(set(names) - set(GROUPS))
    if unknown or not names:
        raise CommandError(
            f"--events takes all, or groups among {', '.join(GROUPS)}; "
            f"got {', '.join(unknown) or 'nothing'}."
        )
    chosen = {GROUPS[name] for name in names}
    return [t.value for t in EventType if t.group in chosen]


class Command(BaseCommand):
    help = "Add, test, list, enable or disable notification channels (OpsGenie, JSM, PagerDuty)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        add = sub.add_parser("add", help="Add a channel; prints its id.")
        add.add_argument("kind", choices=ChannelKind.values)
        add.add_argument("--name", required=True)
        add.add_argument("--endpoint", default="us", choices=("us", "eu", "jsm"))
        add.add_argument("--api-key-file", required=True, help='A file holding the key, or "-".')
        add.add_argument("--events", default="all", help="all, or groups: " + ",".join(GROUPS))
        for name in ("test", "enable", "disable"):
            sub.add_parser(name, help=f"{name.capitalize()} a channel.").add_argument(
                "id", type=int
            )
        sub.add_parser("list", help="List the channels.")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "add":
            self._add(options)
        elif action == "list":
            self._list()
        else:
            channel = Channel.objects.filter(pk=options["id"]).first()
            if channel is None:
                raise CommandError(f"No notification channel has the id {options['id']}.")
            getattr(self, f"_{action}")(channel)

    def _add(self, options: dict[str, Any]) -> None:
        data = {
            "name": options["name"],
            "endpoint": options["endpoint"],
            "secret": _read_key(options["api_key_file"]),
            "event_types": event_types(options["events"]),
            "min_incident_priority": "high",
        }
        form = ChannelForm(data, kind=options["kind"], instance=Channel(kind=options["kind"]))
        if not form.is_valid():
            raise CommandError(_errors(form))
        try:
            channel = channel_save(form, by=None)
        except RefusedMeanwhile as refused:
            raise CommandError(_errors(refused.form)) from None
        self.stdout.write(str(channel.pk))

    def _test(self, channel: Channel) -> None:
        trials = run_trial(channel, by=None, record=True)
        if not trials:
            raise CommandError("The channel sends no event: there is nothing to test.")
        for trial in trials:
            line = f"{trial.group_label}: {trial.headline}"
            if trial.detail:
                line += f" — {trial.detail}"
            if trial.action:
                line += f" What to do: {trial.action}"
            self.stdout.write(self.style.SUCCESS(line) if trial.ok else self.style.ERROR(line))
        if any_refused(trials):
            raise CommandError("At least one test alert was not accepted.")

    def _list(self) -> None:
        rows = channel_rows()
        if not rows:
            self.stdout.write("No notification channel.")
        for row in rows:
            channel = row.channel
            state = "enabled" if channel.enabled else "disabled"
            if not channel.enabled and channel.disabled_automatically:
                state = "disabled itself"
            self.stdout.write(
                f"{channel.pk}\t{channel.name}\t{channel.kind}:{channel.endpoint}\t{state}\t"
                f"key …{channel.secret_hint}\t{row.ratio_text}"
            )

    def _enable(self, channel: Channel) -> None:
        if channel.enabled:
            self.stdout.write(f"{channel.name} is already enabled.")
            return
        enable_channel(channel, by=None)
        self.stdout.write(f"{channel.name} enabled.")

    def _disable(self, channel: Channel) -> None:
        if not channel.enabled:
            self.stdout.write(f"{channel.name} is already disabled.")
            return
        disable_channel(
            channel, by=None, automatically=False, reason="Disabled from the command line."
        )
        self.stdout.write(f"{channel.name} disabled.")


def _read_key(path: str) -> str:
    if path == "-":
        return sys.stdin.readline().strip()
    try:
        return Path(path).read_text().strip()
    except OSError as exc:
        raise CommandError(f"Cannot read {path}: {exc.strerror}") from exc
    except UnicodeDecodeError:
        raise CommandError(f"{path} does not hold a key (not text).") from None


def _errors(form: ChannelForm) -> str:
    return "; ".join(
        f"{form.fields[name].label if name in form.fields else name}: {' '.join(errors)}"
        for name, errors in form.errors.items()
    )
