"""`python manage.py notifications_dispatch [--once]`: queue the notification deliveries that
are due (first sends whose task never ran, retries that came due, sends of a worker that died)
as django-q2 tasks, about twice a second, so a retry "after 1 second" is sent after about one
second. The minute schedule does the same sweep when this is not running. Stops on SIGTERM or
Ctrl+C between two sweeps."""

from __future__ import annotations

import signal
import time
from collections.abc import Callable
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from notifications.queue import dispatch_due

TICK_SECONDS = 0.5


class Command(BaseCommand):
    help = "Queue due notification deliveries as tasks (a loop; --once for one sweep)."

    # Tests replace these: no real sleep, a loop that ends.
    sleep: Callable[[float], None] = staticmethod(time.sleep)

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--once", action="store_true", help="One sweep, then exit.")
        parser.add_argument(
            "--tick", type=float, default=TICK_SECONDS, help="Seconds between sweeps."
        )

    def handle(self, *args: Any, once: bool = False, tick: float = TICK_SECONDS, **kw: Any) -> None:
        if once:
            self.stdout.write(f"queued {dispatch_due()}")
            return
        self.stopping = False
        previous = {sig: signal.signal(sig, self._stop) for sig in (signal.SIGTERM, signal.SIGINT)}
        self.stdout.write(f"notifications dispatcher: sweeping every {tick:g} s")
        try:
            while not self.stopping:
                close_old_connections()
                queued = dispatch_due()
                if queued:
                    self.stdout.write(f"queued {queued}")
                if not self.stopping:
                    self.sleep(tick)
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        self.stdout.write("notifications dispatcher: stopped")

    def _stop(self, signum: int, frame: FrameType | None) -> None:
        self.stopping = True
