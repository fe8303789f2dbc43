"""Every screen as an SVG snapshot on the demo hotel, 120×36, with the clock and time zone fixed.

Update after an intended change: ``pytest tests/test_snapshots.py --snapshot-update``
(``butler screenshots`` writes the same scenarios to screens/ for the README).

The boards in 简体中文 — where wide characters must line up in the tables — are captured by a station
process speaking Chinese and compared with ``screens/zh/`` (update those with ``butler screenshots``)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from butler_tui import clock
from butler_tui.screenshots import SCENARIOS, SIZE, capture_language, make_app, prepare, scenario_db, use_hotel_time

pytestmark = pytest.mark.tui


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


SCREENS = Path(__file__).resolve().parent.parent / "screens"
CHINESE = ["home", "messages", "arrivals", "rooms-and-tasks", "guest-profile", "handover"]


@pytest.fixture(scope="module")
def chinese_screens(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("zh")
    capture_language("zh", out, CHINESE)
    return out


@pytest.mark.parametrize("name", CHINESE)
def test_chinese_screen(chinese_screens: Path, name: str):
    got = (chinese_screens / f"{name}.svg").read_text(encoding="utf-8")
    if got != (SCREENS / "zh" / f"{name}.svg").read_text(encoding="utf-8"):
        pytest.fail(f"the Chinese {name} screen is not screens/zh/{name}.svg: see {chinese_screens / name}.svg; "
                    "if the change is intended, run `butler screenshots`")
