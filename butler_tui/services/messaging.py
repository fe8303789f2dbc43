"""The radio channel: messages said once, to every station concerned, each acknowledging."""

from __future__ import annotations

import json
import sqlite3

from butler_tui.errors import NotFound


def recipients(conn: sqlite3.Connection, kind: str, audience: list[str], from_station: str) -> list[str]:
    """Stations a message is addressed to (never the sender itself)."""
    if kind == "all":
        rows = conn.execute("SELECT code FROM stations WHERE active ORDER BY code").fetchall()
        codes = [r[0] for r in rows]
    elif kind == "stations":
        known = {r[0] for r in conn.execute("SELECT code FROM stations WHERE active").fetchall()}
        missing = [code for code in audience if code not in known]
        if missing:
            raise NotFound(f"unknown station(s): {', '.join(missing)}; known: {', '.join(sorted(known))}")
        codes = list(dict.fromkeys(audience))
    else:
        marks = ",".join("?" for _ in audience)
        teams = {r[0] for r in conn.execute(f"SELECT code FROM teams WHERE code IN ({marks})", audience).fetchall()}
        missing = [code for code in audience if code not in teams]
        if missing:
            raise NotFound(f"unknown team(s): {', '.join(missing)}")
        rows = conn.execute(
            f"SELECT code FROM stations WHERE active AND team_code IN ({marks}) ORDER BY code", audience
        ).fetchall()
        codes = [r[0] for r in rows]
    return [code for code in codes if code != from_station]


def audience_json(audience: list[str]) -> str:
    return json.dumps(audience, ensure_ascii=False)
