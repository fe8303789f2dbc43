"""The figures a station sees first: what is waiting for it now."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from butler_tui import clock
from butler_tui.services import handover, messaging
from butler_tui.services.directory import audience_codes
from butler_tui.services.messaging import MessageView
from butler_tui.services.settings import setting_number
from butler_tui.store import Store

OPEN_TASK_STATUSES = ("new", "acknowledged", "in_progress", "on_hold", "deferred", "reopened")
_OPEN = "(" + ",".join(f"'{status}'" for status in OPEN_TASK_STATUSES) + ")"


@dataclass(frozen=True)
class Overview:
    arrivals_today: int
    arrivals_pending: int
    vip_arrivals_today: int
    in_house: int
    departures_today: int
    open_tasks: int
    overdue_tasks: int
    unacked_messages: int


def overview(store: Store, station_code: str, day: date | None = None) -> Overview:
    day_iso = (day or clock.today()).isoformat()
    row = store.row(
        f"""
        SELECT
          (SELECT count(*) FROM stays WHERE arrival_date = :day AND status != 'cancelled') AS arrivals_today,
          (SELECT count(*) FROM stays WHERE arrival_date = :day AND status IN ('expected','room_ready'))
              AS arrivals_pending,
          (SELECT count(*) FROM stays s JOIN guests g ON g.id = s.guest_id
              WHERE s.arrival_date = :day AND s.status != 'cancelled' AND g.vip_level > 0) AS vip_arrivals_today,
          (SELECT count(*) FROM stays WHERE status IN ('arrived','in_house','due_out')) AS in_house,
          (SELECT count(*) FROM stays WHERE departure_date = :day AND status IN ('in_house','due_out','departed'))
              AS departures_today,
          (SELECT count(*) FROM tasks WHERE status IN {_OPEN}) AS open_tasks,
          (SELECT count(*) FROM tasks WHERE status IN {_OPEN} AND status != 'on_hold'
              AND due_at IS NOT NULL AND due_at < :now) AS overdue_tasks,
          (SELECT count(*) FROM acks WHERE station_code = :station AND acked_at IS NULL) AS unacked_messages
        """,
        {"day": day_iso, "now": clock.now_iso(), "station": station_code},
    )
    assert row is not None
    return Overview(**row)


AUTO_LOCK_MINUTES = 10.0  # idle time before a station signs the person out (settings: auto_lock_minutes)


@dataclass(frozen=True)
class StationState:
    """What a station's bar, banner and home screen show, read in one go."""

    overview: Overview
    unacked: list[MessageView]
    realert_minutes: float
    codes: list[str]
    handover_unsigned: bool
    auto_lock_minutes: float


def station_state(store: Store, station: str) -> StationState:
    return StationState(
        overview=overview(store, station),
        unacked=messaging.unacked_for(store, station),
        realert_minutes=messaging.realert_minutes(store),
        codes=audience_codes(store),
        handover_unsigned=handover.pending(store, station) is not None,
        auto_lock_minutes=setting_number(store, "auto_lock_minutes", AUTO_LOCK_MINUTES),
    )
