"""Every screen as an SVG snapshot on the demo hotel, 120×36, with the clock and time zone fixed.

Update after an intended change: ``pytest tests/test_snapshots.py --snapshot-update``
(``butler screenshots`` writes the same scenarios to screens/ for the README)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from butler_tui import clock
from butler_tui.screenshots import SCENARIOS, SIZE, make_app, prepare, scenario_db, use_hotel_time


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    old_tz = os.environ.get("TZ")
    path = tmp_path_factory.mktemp("snapshots") / "template.db"
    prepare(path)
    yield path
    clock.freeze(None)
    if old_tz is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = old_tz
    time.tzset()


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.name for s in SCENARIOS])
def test_screen(snap_compare, template: Path, tmp_path: Path, scenario):
    use_hotel_time()
    db = scenario_db(template, scenario, tmp_path)
    app = make_app(db, scenario)

    async def run_before(pilot) -> None:
        await scenario.drive(pilot.app, pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)
