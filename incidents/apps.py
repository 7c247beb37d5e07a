from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class IncidentsConfig(AppConfig):
    """Canonical incidents synced from every provider, data-loss reports and incident checks."""

    name = "incidents"
    verbose_name = "Incidents"

    def ready(self) -> None:
        from incidents.checks import register_incident_checks
        from incidents.entry_store import IncidentDetailsStore
        from incidents.moves import moved_incidents_matched
        from incidents.selectors import held_incidents
        from incidents.store import IncidentStore
        from integrations.incident_entry_records import INCIDENT_DETAILS
        from integrations.moves import connection_moved
        from integrations.services import (
            connection_disconnected,
            connection_disconnecting,
            connection_reconnecting,
            connection_services_changed,
        )
        from integrations.sync.counts import register_counter
        from integrations.sync.stores import register_evaluator, register_store

        register_store("incidents", IncidentStore())
        register_store(INCIDENT_DETAILS, IncidentDetailsStore())
        register_counter("incidents", held_incidents)
        register_incident_checks()
        register_evaluator(evaluate_after_sync)
        connection_services_changed.connect(rescope_after_selection, dispatch_uid="incidents")
        connection_disconnected.connect(evaluate_after_disconnect, dispatch_uid="incidents")
        connection_disconnecting.connect(unmatch_for_successor, dispatch_uid="incidents")
        connection_reconnecting.connect(rematch_for_successor, dispatch_uid="incidents")
        connection_moved.connect(match_after_move, dispatch_uid="incidents")
        moved_incidents_matched.connect(evaluate_after_match, dispatch_uid="incidents")
        # However a report or an incident is saved one by one (the page, the admin, a shell),
        # its incident is judged again at the next evaluation (lib.checks.Incremental); the
        # sync's bulk writes say so themselves (incidents/store.py, incidents/scope.py).
        for signal in (post_save, post_delete):
            signal.connect(rejudge, sender="incidents.DataLossReport", dispatch_uid="dl")
        post_save.connect(rejudge, sender="incidents.Incident", dispatch_uid="incident")


def rejudge(*, sender: type, instance: object, **kwargs: object) -> None:
    """Mark the saved incident, or the incident of the saved or deleted report."""
    from incidents.checks import TOPIC
    from lib.checks import engine

    incident_id = getattr(instance, "incident_id", None) or instance.pk  # type: ignore[attr-defined]
    engine().changed(topic=TOPIC, item_ids=[incident_id])


def evaluate_after_sync(**kwargs: object) -> None:
    from incidents.checks import TOPIC
    from lib.checks import engine

    engine().evaluate(topic=TOPIC, reason="after a sync")


def evaluate_after_disconnect(**kwargs: object) -> None:
    """A disconnected source's incidents stop counting now, not at the next hourly evaluation."""
    from incidents.checks import TOPIC
    from lib.checks import engine

    engine().evaluate(topic=TOPIC, reason="an integration was disconnected")


def unmatch_for_successor(*, connection: object, **kwargs: object) -> None:
    """A move's successor is being disconnected: the records its incidents stood for count
    again (the evaluation after the disconnect judges them)."""
    from incidents.moves import successor_disconnected

    successor_disconnected(successor=connection)  # type: ignore[arg-type]


def rematch_for_successor(*, connection: object, **kwargs: object) -> None:
    """A move's successor is connected again: its incidents count again, once."""
    from incidents.moves import successor_reconnected

    successor_reconnected(successor=connection)  # type: ignore[arg-type]


def rescope_after_selection(*, connection: object, **kwargs: object) -> None:
    """Incidents of services the admin dropped stop counting at once (and count again when
    picked again), before any sync runs."""
    from incidents.checks import TOPIC
    from incidents.scope import rescope_incidents
    from lib.checks import engine

    if rescope_incidents(connection=connection):  # type: ignore[arg-type]
        engine().evaluate(topic=TOPIC, reason="the services that count changed")


def match_after_move(*, connection: object, **kwargs: object) -> None:
    """A move was set: the incidents the successor already holds are matched now, and what
    counts is judged again at once."""
    from incidents.moves import match_all, moved_incidents_matched

    match_all(predecessor=connection)  # type: ignore[arg-type]
    moved_incidents_matched.send(sender=type(connection), connection=connection)


def evaluate_after_match(**kwargs: object) -> None:
    from incidents.checks import TOPIC
    from lib.checks import engine

    engine().evaluate(topic=TOPIC, reason="incidents of a move were matched")
