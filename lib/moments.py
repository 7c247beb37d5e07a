"""A moment as the evidence writes it in a reason or a history entry: "05 Dec 2026 14:03 UTC".

Written by hand rather than by strftime: the same text whatever the process's locale (strftime's
month names follow LC_TIME), for any aware time (given in another zone, it is said in UTC, as
the text claims), and in half the time, which counts where an evaluation writes the reasons of
tens of thousands of failing incidents."""

from __future__ import annotations

from datetime import UTC, datetime

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _utc(moment: datetime) -> datetime:
    """``moment`` in UTC (a naive time is taken as UTC already)."""
    if moment.tzinfo is not None and moment.tzinfo is not UTC:
        return moment.astimezone(UTC)
    return moment


def utc_minute_text(moment: datetime) -> str:
    """``moment`` to the minute, in UTC: "05 Dec 2026 14:03 UTC"."""
    moment = _utc(moment)
    return (
        f"{moment.day:02d} {MONTHS[moment.month - 1]} {moment.year} "
        f"{moment.hour:02d}:{moment.minute:02d} UTC"
    )


def utc_day_minute(moment: datetime) -> str:
    """The same without the year or the zone, for a short label that says UTC once:
    "05 Dec 14:03"."""
    moment = _utc(moment)
    return f"{moment.day:02d} {MONTHS[moment.month - 1]} {moment.hour:02d}:{moment.minute:02d}"


def utc_stamp(moment: datetime) -> str:
    """``moment`` to the minute, in UTC, for a key: "20261205T1403". The same instant gives the
    same text whatever offset its source wrote it with."""
    moment = _utc(moment)
    return (
        f"{moment.year:04d}{moment.month:02d}{moment.day:02d}T{moment.hour:02d}{moment.minute:02d}"
    )
