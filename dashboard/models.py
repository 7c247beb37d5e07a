from __future__ import annotations

from django.db import models


class DashboardSnapshot(models.Model):
    """The incident figures the dashboard's trend and resolution charts add up, per day: one
    row, rewritten by ``dashboard.services.snapshot_refresh`` after every sync that wrote, when
    what counts changes (a disconnect, a new choice of services), and every few minutes.

    Days, not the charts' windows: the page applies its own "now" to them (which weeks, which 90
    days), so the figures stay right as time passes; only what changed in the incidents since
    ``computed_at`` can be missing, and every write to them refreshes it.
    """

    # One row: its primary key is always this.
    SINGLETON = 1

    computed_at = models.DateTimeField()
    # The time zone the days are local days of (settings.TIME_ZONE when computed).
    time_zone = models.CharField(max_length=64)
    # The first day ``days`` covers: the oldest any chart reads.
    first_day = models.DateField()
    # ISO day -> priority -> [reported, resolved, seconds from report to resolution, summed].
    days = models.JSONField(default=dict)

    def __str__(self) -> str:
        return f"Dashboard figures as of {self.computed_at:%Y-%m-%d %H:%M}"
