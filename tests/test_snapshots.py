"""Every screen on the demo hotel, 120×36 and 80×24, clock and time zone fixed, compared with the SVGs in ``screens/``.

``screens/`` is one set of pictures with two uses: the README shows them, and these tests compare with
them. ``butler screenshots`` (run from the repository root) rewrites all of them — that is the update
after an intended change; review the new pictures in the diff before committing them.

English is captured in this process (it speaks English, see conftest) through the same scenarios and
the same capture as ``butler screenshots``; the boards in 简体中文 — where wide characters must line up
in the tables — by a station process speaking Chinese (key labels are fixed when the screens are made),
once for the module, on one xdist worker (``xdist_group``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from butler_tui import clock
from butler_tui.screenshots import SCENARIOS, capture_language, prepare, scenario_db, screenshot, use_hotel_time

pytestmark = pytest.mark.tui

SCREENS = Path(__file__).resolve().parent.parent / "screens"
UPDATE = "If the change is intended, run `butler screenshots` from the repository root and review the new SVGs"


def expect_screen(got: str, expected: Path, seen: Path) -> None:
    """``got`` is ``expected`` byte for byte; otherwise keep it as ``seen`` and say how to look and update."""
    want = expected.read_text(encoding="utf-8") if expected.exists() else None
    if got == want:
        return
    seen.write_text(got, encoding="utf-8")
    where = SCREENS.parent
    if want is None:
        pytest.fail(f"{expected.relative_to(where)} does not exist; this run's screen is {seen}. {UPDATE}.")
    old, new = want.splitlines(), got.splitlines()
    changed = sum(a != b for a, b in zip(old, new, strict=False)) + abs(len(old) - len(new))
    pytest.fail(f"the screen is not {expected.relative_to(where)} ({changed} of {len(old)} SVG lines differ); "
                f"this run's screen is {seen}. {UPDATE}.")


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("snapshots") / "template.db"
    prepare(path)  # the hotel's zone goes into the file and the context, the host's TZ is left alone
    yield path
    clock.freeze(None)


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.name for s in SCENARIOS])
async def test_screen(template: Path, tmp_path: Path, scenario):
    use_hotel_time()
    got = await screenshot(scenario_db(template, scenario, tmp_path), scenario)
    expect_screen(got, SCREENS / f"{scenario.name}.svg", tmp_path / f"{scenario.name.replace('/', '-')}.svg")


CHINESE = ["home", "messages", "arrivals", "rooms-and-tasks", "guest-profile", "handover", "new-task-80x24",
           # Chinese labels are wider: at 80 columns the footer still shows esc back, the tables their status.
           "80x24/scheduled-tasks", "80x24/departures", "80x24/rooms-and-tasks"]


@pytest.fixture(scope="module")
def chinese_screens(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("zh")
    capture_language("zh", out, CHINESE)
    return out


@pytest.mark.xdist_group("chinese-screens")  # one station process for them all, not one per worker
@pytest.mark.parametrize("name", CHINESE)
def test_chinese_screen(chinese_screens: Path, name: str):
    got = (chinese_screens / f"{name}.svg").read_text(encoding="utf-8")
    expect_screen(got, SCREENS / "zh" / f"{name}.svg", chinese_screens / f"{name}.svg")
