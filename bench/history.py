"""A year of history: the reads a station repeats, on the fresh demo hotel and on the same hotel a
year later.

    python bench/history.py [--days 365] [--seed 15] [--now ISO] [--out PATH] [--reuse] [--runs 15]
                            [--first-show-runs 5] [--stations 10,30,60] [--messages 20]

Build: the demo hotel (300 rooms, 11 stations) with, under it, ``--days`` of history at the rates of
a busy year — 100,000 guests (search keys, notes), ~48,000 stays (checklists ticked, stages signed,
departure plans, VIP notices), 250,000 tasks through their lifecycle with the escalations their
ladders fired, ~150,000 messages (the arrival calls the app sends, escalation and VIP notices, radio
traffic to all, replies) with one ack row per addressed station (~840,000), the duty log and a signed
handover (its frozen report at its real size) per station and shift, and ~500,000 events: each row's
creating event (message sends, task creations, departures, log entries, sign-outs); the ack and
task-step events, ~3 million in a real year, are left out. The history ends at the build instant:
the last hour's tasks are open, with ~190 older ones (on hold up to a month, deferred, forgotten and
escalated); the last minutes' messages and the night's to the back office (acct, conf) are not yet
acknowledged; the last day's departures wait for their follow-up call. Rows go in with
``executemany`` in one transaction (foreign keys checked at the end), then ``load_demo`` on top (so
the demo's rows come after the history's ids) and one escalation sweep. The same ``--seed``,
``--days`` and ``--now`` give the same rows. ``--out`` defaults to a file in the temp dir;
``--reuse`` keeps it when it was built with the same seed and days (and ``--now``, if given).

Measure: the clock frozen at the build instant, each read ``--runs`` times on the fresh demo, on the same day
without its history (a copy of the year-old file after ``butler archive`` of all but the last day, its archive
deleted: today's work row for row, the closed history gone) and on the year-old file, median and p95 in ms —
the reads a station repeats on every change, and those asked for once, marked "on demand"; then EXPLAIN
QUERY PLAN of every statement those reads ran (captured with the connection's trace callback) on the
year-old file, listing those that scan a
history table without an index, with the time each takes alone. Size: the file as built (as a live file
grows), then, on a copy, after ``butler vacuum`` and after ``butler archive --before`` ``--keep-days``
ago (90) with the archive file's size.

Boards' first show: a headless station (``ButlerApp`` under ``run_test``, 120×36, lobby, staff 1002) on each
of the three files opens the task board, the arrivals board, the handover board and the message log by their
keys from the home screen, each timed from the key press until the screen was repainted with its read's rows
(``--first-show-runs`` times after one untimed open; 0 skips it). The station signs in and sweeps: it writes
into the file, so it runs after the reads. Stations: last, ``bench/stations.py --history`` on the year-old
file with ``--stations`` (sign-in storm, commit → shown on every station, CPU idle and busy; "" skips it).
"""

from __future__ import annotations

import argparse
import bisect
import itertools
import json
import math
import os
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from butler_tui.clock import Instant

FORMAT = 10  # bump when the generated history changes: --reuse then rebuilds
PER_YEAR = {"guests": 100_000, "tasks": 250_000, "messages": 150_000, "log_entries": 36_000}
# Tasks left open (whatever the length of the history): which states, created within how many days, of which types
STUCK = [(["on_hold"], 30, {"repair", "lost_found", "complaint", "guest_request"}, 100),
         (["deferred"], 7, set(), 50),
         (["in_progress", "in_progress", "acknowledged", "new"], 2, set(), 40)]
HISTORY_TABLES = {"messages", "acks", "tasks", "stays", "events", "escalations", "checklist_items", "stay_stages",
                  "handovers", "log_entries", "guests", "guest_notes", "guest_search", "vip_notices"}

SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭萧田董潘袁蔡蒋余于杜叶程魏苏吕丁任沈姚卢钟姜崔谭陆范汪廖石金韦贾夏付方邹熊白孟秦邱侯江尹薛闫段雷龙黎史陶贺毛郝顾龚邵万覃武钱戴严莫孔向常汤康易乔赖文曾")
GIVEN = list("伟芳娜秀敏静丽强磊军洋勇艳杰娟涛明超霞平刚桂英华玉兰建国志文斌海波晓红鹏宇浩然子涵梓轩欣怡俊凯雪梅婷雅琳莉小龙")
LATIN_FIRST = ["John", "Anna", "Kenji", "Olivia", "Pierre", "Maria", "David", "Sophie", "Hans", "Yuki", "James", "Emma"]
LATIN_LAST = ["Smith", "Müller", "Tanaka", "Brown", "Dubois", "Rossi", "Johnson", "Martin", "Schmidt", "Sato", "Lee"]
MEMBER_LEVELS = {0: "", 1: "普通卡 Classic", 2: "银卡 Silver", 3: "金卡 Gold", 4: "白金卡 Platinum", 5: "钻石卡 Diamond"}
NOTES = [("preference", "喜欢高楼层安静房间"), ("dietary", "海鲜过敏"), ("dislike", "不喜欢香薰"), ("habit", "早餐在房间用"),
         ("special_date", "生日 3月12日"), ("preference", "咖啡要黑咖啡不加糖"), ("dislike", "不喜欢被敲门打扰"),
         ("life_trace", "每次带一只小狗"), ("complaint", "上次入住空调噪音大"), ("suggestion", "建议早餐增加粥品")]
# (code, share of tasks, names, stations that raise it; "floor" = the room's floor station)
TASK_MIX: list[tuple[str, float, list[str], list[str]]] = [
    ("guest_request", 0.25, ["加床 Extra bed", "婴儿床 Baby cot", "熨衣服 Ironing", "叫醒服务 Wake-up call", "多要枕头 Extra pillows"],
     ["cs", "cs", "lobby", "fo"]),
    ("amenity_delivery", 0.20, ["送两瓶矿泉水 Water", "水果 Fruit", "牙具 Toothbrush", "拖鞋 Slippers", "充电器 Charger"],
     ["cs", "cs", "floor"]),
    ("make_up_room", 0.12, ["整理房间 Make up room", "更换毛巾 Fresh towels"], ["floor", "cs"]),
    ("turndown", 0.12, ["夜床服务 Turndown"], ["floor"]),
    ("laundry_pickup", 0.08, ["收洗衣 Laundry pickup"], ["cs", "floor"]),
    ("minibar", 0.05, ["补充迷你吧 Restock minibar"], ["floor"]),
    ("repair", 0.08, ["空调不制冷 A/C not cooling", "马桶堵塞 Toilet blocked", "灯泡坏了 Bulb out", "电视无信号 TV no signal"],
     ["cs", "floor", "eng"]),
    ("dnd_check", 0.03, ["请勿打扰房检查 DND check"], ["floor"]),
    ("pre_arrival_prep", 0.03, ["VIP 预抵布置 VIP set-up"], ["lobby", "fo"]),
    ("complaint", 0.015, ["噪音投诉 Noise complaint", "早餐投诉 Breakfast complaint"], ["cs", "lobby"]),
    ("lost_found", 0.01, ["遗留物品 Item left in room", "手机遗失 Lost phone"], ["floor", "security"]),
    ("follow_up_call", 0.014, ["离店回访 Follow-up call"], ["cs"]),
    ("safety_emergency", 0.001, ["烟感报警 Smoke alarm", "客人摔倒 Guest fell"], ["security"]),
]
CHAT = [
    "{room} 客人外出，请安排整理房间 — guest of {room} went out, please make up the room",
    "{room} 行李下楼 — luggage down from {room}", "{room} 车辆已在正门等候 — car for {room} at the main door",
    "{room} 客人需要 {item} — guest {room} requests {item}", "大堂人多，请增援 — busy lobby, need a hand",
    "{room} 房已查房可入住 — room {room} ready and inspected", "VIP 客人 {n} 分钟后抵达 {room} — VIP arriving {room} in {n} min",
    "{room} 请勿打扰，请电话联系客人 — DND {room}: please phone the guest", "早餐厅 {n} 号桌生日蛋糕 — birthday cake, table {n}",
    "会议室 B 需要 {n} 瓶水 — meeting room B needs {n} bottles of water", "B1 停车场 VIP 车位已预留 — VIP bays in B1 reserved",
    "{room} 客人反映空调不制冷，工程已派人 — guest in {room}: A/C not cooling, engineer on the way",
    "{room} 客人已抵店 — guest of {room} has arrived", "{room} 客人已外出 — guest of {room} has left the hotel",
    "收到，马上处理 — received, on it", "请各岗位注意 {n} 点消防演练 — fire drill at {n}:00, all stations",
]
ITEMS = ["熨斗 iron", "雨伞 umbrella", "加湿器 humidifier", "转换插头 adapter", "冰块 ice", "毛毯 blanket"]
LOG_TEXTS = ["交接：{room} 客人要求明早 7 点叫醒", "{room} 客人投诉噪音，已换房", "巡楼正常", "{room} 维修完成，已查房",
             "VIP 客人已抵店，欢迎水果已送", "大堂雨伞已补充", "{room} 遗留手机已交保安部", "夜班交接无异常"]
HOLD_REASONS = ["等待配件 waiting for parts", "客人外出 guest out", "等待客人确认 waiting for the guest"]
ACTIVE_HOURS = [1, 1, 1, 1, 1, 1, 3, 6, 8, 8, 8, 8, 7, 6, 6, 7, 8, 8, 9, 9, 8, 6, 4, 2]  # by local hour
HOUR_CUM = list(itertools.accumulate(ACTIVE_HOURS))
TASK_CUM = list(itertools.accumulate(m[1] for m in TASK_MIX))
BACK_OFFICE = {"acct", "conf"}  # unstaffed 18:00–08:00: their acks wait for the morning


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


# ------------------------------------------------------------------------------------------------
# Building
# ------------------------------------------------------------------------------------------------


def iso(moment: datetime) -> Instant:
    """``clock.iso``, for millions of rows: ``2026-11-24T08:30:00.000Z`` (bound as its milliseconds, as the
    database holds instants: store/instants.py)."""
    if moment.tzinfo is not UTC:
        moment = moment.astimezone(UTC)
    return Instant(f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}T{moment.hour:02d}:{moment.minute:02d}:"
                   f"{moment.second:02d}.{moment.microsecond // 1000:03d}Z")


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


@dataclass
class Msg:
    at: datetime
    from_station: str
    from_staff: str | None
    kind: str
    audience: list[str]
    to: list[str]
    priority: str
    body: str
    said: dict[str, Any] | None = None
    room: str | None = None
    guest_id: int | None = None
    task_id: int | None = None
    parent: Msg | None = None
    id: int = 0
    escalation: list[Any] | None = None  # the escalations row waiting for this message's id
    notice: list[Any] | None = None  # the vip_notices row likewise


@dataclass
class Built:
    counts: dict[str, int] = field(default_factory=dict)
    insert_seconds: dict[str, float] = field(default_factory=dict)
    seconds: float = 0.0
    cpu_seconds: float = 0.0


class Builder:
    def __init__(self, conn, seed: int, days: int, now: datetime, templates: dict[str, dict[str, Any]]):
        from butler_tui.services.demo import DEMO_FILE, data_dir

        self.conn, self.rng, self.days, self.now = conn, random.Random(seed), days, now
        self.templates = templates
        self.scale = days / 365
        self.today = now.astimezone().date()
        self.first_day = self.today - timedelta(days=days - 1)
        demo = json.loads((data_dir() / DEMO_FILE).read_text(encoding="utf-8"))
        self.rooms = [(r["number"], r["floor"], r["type"]) for r in demo["rooms"]]
        self.room_numbers = [r[0] for r in self.rooms]
        self.stations = [(s["code"], s["team_code"], s["floors"]) for s in demo["stations"]]
        self.station_team = {code: team for code, team, _ in self.stations}
        self.floor_station = {f: code for code, _, floors in sorted(self.stations) for f in floors}
        self.room_floor = {r[0]: r[1] for r in self.rooms}
        self.staff = demo["staff"]
        self.by_team: dict[str, list[str]] = {}
        for s in self.staff:
            self.by_team.setdefault(s["team_code"], []).append(s["staff_no"])
        self.role = {s["staff_no"]: s["role"] for s in self.staff}
        self.team_of = {s["staff_no"]: s["team_code"] for s in self.staff}
        self.leads = [s["staff_no"] for s in self.staff if s["role"] in ("lead", "supervisor", "manager", "director")]
        self.team_stations = {team: sorted(c for c, t, _ in self.stations if t == team) for team in self.by_team}
        self.all_stations = sorted(self.station_team)
        self.demo_arrival = {}
        for s in demo["stays"]:
            if s.get("room_number"):
                day = self.today + timedelta(days=s["arrival_day"])
                self.demo_arrival[s["room_number"]] = min(day, self.demo_arrival.get(s["room_number"], day))
        self.events: list[tuple[Any, ...]] = []
        self.messages: list[Msg] = []
        self.occupancy: dict[str, tuple[list[date], list[tuple[date, int]]]] = {}
        self.built = Built()

    # -- helpers ---------------------------------------------------------------------------------
    def local(self, day: date, hour: int, minute: float = 0.0) -> datetime:
        naive = datetime(day.year, day.month, day.day) + timedelta(hours=hour, minutes=minute)
        return naive.astimezone().astimezone(UTC)

    def moment_in(self, day: date) -> datetime:
        hour = self.rng.choices(range(24), cum_weights=HOUR_CUM)[0]
        return self.local(day, hour, self.rng.uniform(0, 60))

    def days_range(self) -> Iterator[date]:
        for offset in range(self.days):
            yield self.first_day + timedelta(days=offset)

    def per_day(self, per_year: float) -> int:
        mean = per_year / 365
        return max(0, round(self.rng.gauss(mean, math.sqrt(mean))))

    def staff_of(self, station: str) -> str:
        return self.rng.choice(self.by_team[self.station_team[station]])

    def lead_of(self, team: str) -> str:
        found = [s for s in self.by_team.get(team, []) if s in self.leads]
        return self.rng.choice(found or ["0001"])

    def event(self, at: datetime, actor: str | None, station: str | None, entity: str, entity_id: Any, action: str,
              before: Any = None, after: Any = None) -> None:
        self.events.append((iso(at), actor, station, entity, None if entity_id is None else str(entity_id), action,
                            None if before is None else dumps(before), None if after is None else dumps(after)))

    def insert(self, table: str, columns: list[str], rows: list[tuple[Any, ...]]) -> None:
        cols = ", ".join(columns)
        t0 = time.perf_counter()
        self.conn.executemany(f"INSERT INTO {table} ({cols}) VALUES ({', '.join('?' for _ in columns)})", rows)
        self.built.counts[table] = self.built.counts.get(table, 0) + len(rows)
        self.built.insert_seconds[table] = self.built.insert_seconds.get(table, 0) + time.perf_counter() - t0

    def guest_in(self, room: str, moment: datetime) -> int | None:
        found = self.occupancy.get(room)
        if not found:
            return None
        day = moment.astimezone().date()
        i = bisect.bisect_right(found[0], day) - 1
        if i >= 0:
            departure, guest_id = found[1][i]
            if day <= departure:
                return guest_id
        return None

    # -- guests ----------------------------------------------------------------------------------
    def guests(self) -> None:
        from butler_tui.search_keys import pinyin_keys, search_keys

        rng = self.rng
        count = round(PER_YEAR["guests"] * self.scale)
        chinese = list(dict.fromkeys(rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))
                                     for _ in range(4000)))
        latin_names = [f"{first} {last}" for first in LATIN_FIRST for last in LATIN_LAST]
        name_keys: dict[str, list[tuple[str, str]]] = {}
        rows, keys, notes = [], [], []
        since = self.now - timedelta(days=3 * 365)
        for gid in range(1, count + 1):
            latin = rng.random() < 0.06
            name = rng.choice(latin_names if latin else chinese)
            if name not in name_keys:
                name_keys[name] = sorted(pinyin_keys(name))
            vip = rng.choices(range(6), weights=(80, 8, 5, 4, 2, 1))[0]
            member_no = f"HM{gid:07d}"
            mobile = f"1{rng.choice('3456789')}{rng.randint(0, 999_999_999):09d}"
            plate = f"京{rng.choice('ABCDEFGHJKLMNPQ')}{rng.randint(10000, 99999)}" if rng.random() < 0.2 else None
            created = iso(since + timedelta(seconds=rng.uniform(0, 3 * 365 * 86400 - 86400 * 30)))
            salutation = rng.choice(("Mr", "Ms")) if latin else rng.choice(("先生", "女士"))
            rows.append((gid, name, salutation, member_no, mobile, vip, MEMBER_LEVELS[vip], "en" if latin else "zh",
                         plate, f"wx_{rng.randint(100000, 999999)}", created, created))
            keys += [(k, kind, gid) for k, kind in name_keys[name]]
            keys += [(k, kind, gid) for k, kind in sorted(search_keys("", mobile, member_no, plate))]
            for _ in range(rng.choices((0, 1, 2, 3), weights=(55, 25, 12, 8))[0]):
                kind, text = rng.choice(NOTES)
                author = rng.choice(("1002", "2002", "5002", "4002"))
                notes.append((gid, kind, text, author, self.station_of_staff(author), created))
        self.guest_count = count
        self.insert("guests", ["id", "name", "salutation", "member_no", "mobile", "vip_level", "member_level",
                               "language", "car_plate", "wechat", "created_at", "updated_at"], rows)
        self.guest_rows = rows
        self.insert("guest_search", ["key", "kind", "guest_id"], keys)
        self.insert("guest_notes", ["guest_id", "kind", "text", "author_no", "station_code", "created_at"], notes)

    def station_of_staff(self, staff_no: str) -> str:
        return self.team_stations[self.team_of[staff_no]][0]

    # -- stays, checklists, arrival calls, VIP notices -------------------------------------------
    def stays(self) -> None:
        from butler_tui.defaults import build_items
        from butler_tui.i18n import said

        rng = self.rng
        regulars = max(1, self.guest_count // 16)
        vip_of = {r[0]: r[5] for r in self.guest_rows}
        plate_of = {r[0]: r[8] for r in self.guest_rows}
        name_of = {r[0]: (r[1], r[2]) for r in self.guest_rows}
        plans = []
        for number, _floor, room_type in self.rooms:
            end = min(self.demo_arrival.get(number, self.today), self.today)
            day = self.first_day - timedelta(days=rng.randint(0, 3))
            while True:
                nights = rng.choices((1, 2, 3, 4, 5, 6, 7), weights=(45, 30, 13, 7, 2, 2, 1))[0]
                if day + timedelta(days=nights) > end:
                    break
                guest = rng.randint(1, regulars) if rng.random() < 0.35 else rng.randint(1, self.guest_count)
                plans.append((day, nights, number, room_type, guest))
                day += timedelta(days=nights + rng.choices((0, 1, 2), weights=(78, 18, 4))[0])
        booked = [(self.local(p[0] - timedelta(days=rng.randint(1, 60)), rng.randint(8, 22), rng.uniform(0, 60)), p)
                  for p in plans]
        booked.sort(key=lambda b: b[0])
        stays, items, stages, notices, last_visit = [], [], [], [], {}
        visits: dict[int, int] = {}
        bookers, butlers = self.by_team["FO"], [s["staff_no"] for s in self.staff if s.get("registered_butler")]
        for stay_id, (created_at, (arrival, nights, room, room_type, guest)) in enumerate(booked, start=1):
            departure = arrival + timedelta(days=nights)
            vip = vip_of[guest]
            cancelled = rng.random() < 0.03
            booker = rng.choice(bookers)
            butler = rng.choice(butlers) if vip >= 2 else None
            eta = self.local(arrival, rng.randint(12, 21), rng.choice((0, 30)))
            etd = self.local(departure, rng.randint(7, 12), rng.choice((0, 30))) if rng.random() < 0.7 else None
            arrived = eta + timedelta(minutes=rng.uniform(-40, 60))
            left = etd + timedelta(minutes=rng.uniform(-30, 30)) if etd else self.local(departure, rng.randint(7, 12),
                                                                                         rng.uniform(0, 60))
            plate = plate_of[guest] if rng.random() < 0.6 else None
            if not cancelled and left > self.now:  # a departure later today: the guest leaves before we stop
                left = self.now - timedelta(minutes=rng.uniform(5, 120))
            status = "cancelled" if cancelled else "departed"
            local_left = left.astimezone()
            plan = (f"{rng.randint(5, 7):02d}:{rng.choice((0, 15, 30, 45)):02d}", f"0{rng.randint(7, 9)}:{rng.choice((0, 30))}",
                    f"{max(5, local_left.hour - 1):02d}:{local_left.minute:02d}", f"{local_left:%H:%M}",
                    "Mercedes V-class, T3" if rng.random() < 0.2 else None)
            feedback = rng.choice(("很满意 very satisfied", "早餐不错", "房间安静", None, None, None))
            cancelled_at = created_at + timedelta(days=rng.uniform(0, 1))
            updated = iso(cancelled_at if cancelled else left)
            stays.append((stay_id, f"H{stay_id:07d}", guest, room, room_type, arrival.isoformat(), iso(eta),
                          departure.isoformat(), iso(etd) if etd else None, rng.choice((1, 1, 2, 2, 3)), plate,
                          f"B1-{rng.randint(1, 80):02d}" if plate else None, butler, booker, status,
                          "" if rng.random() < 0.9 else "行动不便，需轮椅", iso(created_at), updated,
                          None if cancelled else iso(arrived), None if cancelled else iso(left),
                          "行程变更 change of plans" if cancelled else None,
                          *((None,) * 5 if cancelled else plan), None if cancelled else feedback))
            checklist = build_items({"id": stay_id, "car_plate": plate}, vip)
            if cancelled:
                items += [(stay_id, i["stage"], i["code"], i["mandatory"], i["position"],
                           None, None, None, None) for i in checklist]
                self.event(cancelled_at, booker, "fo", "stays", stay_id, "cancelled", {"status": "expected"},
                           {"status": "cancelled", "room": room, "reason": "行程变更 change of plans"})
                continue
            visits[guest] = visits.get(guest, 0) + 1
            last_visit[guest] = departure.isoformat()
            self.occupancy.setdefault(room, ([], []))
            self.occupancy[room][0].append(arrival)
            self.occupancy[room][1].append((departure, guest))
            floor_station = self.floor_station.get(self.room_floor[room])
            follow_up = left + timedelta(hours=rng.uniform(2, 20))
            followed = follow_up <= self.now and rng.random() > 0.002
            when = {"pre_arrival": self.local(arrival, rng.randint(8, 11), rng.uniform(0, 60)),
                    "arrival": arrived + timedelta(minutes=20),
                    "pre_departure": self.local(departure - timedelta(days=1), rng.randint(19, 21), rng.uniform(0, 60)),
                    "departure": left - timedelta(minutes=10), "follow_up": follow_up}
            who = {"pre_arrival": (booker, "fo"), "arrival": (butler or "1002", "lobby"),
                   "pre_departure": (butler or self.staff_of(floor_station or "lobby"), floor_station or "lobby"),
                   "departure": (butler or "1003", "lobby"), "follow_up": (rng.choice(self.by_team["CS"]), "cs")}
            for i in checklist:
                stage = i["stage"]
                done = (stage != "follow_up" or followed) and (i["mandatory"] or rng.random() < 0.7)
                by, station = who[stage]
                if i["code"] in ("prep_verified", "room_assigned"):
                    by, station = booker, "fo"
                items.append((stay_id, stage, i["code"], i["mandatory"], i["position"],
                              iso(when[stage]) if done else None, by if done else None, station if done else None,
                              rng.choice(("客人满意", "客人建议早餐增加粥品", "无人接听，已发短信")) if done and
                              i["code"] == "follow_up_call" else None))
            for stage in ("pre_arrival", "arrival", "pre_departure", "departure", "follow_up"):
                if stage != "follow_up" or followed:
                    by, station = who[stage]
                    stages.append((stay_id, stage, iso(when[stage] + timedelta(minutes=5)), by, station))
            self.event(left, who["departure"][0], "lobby", "stays", stay_id, "departed", {"status": "due_out"},
                       {"status": "departed", "room": room, "reason": None})
            # Marking the guest arrived tells the floor station and the dedicated butler's station.
            marker = rng.choice(("fo", "lobby"))
            targets = [c for c in (floor_station, self.team_stations[self.team_of[butler]][0] if butler else None)
                       if c and c != marker]
            targets = list(dict.fromkeys(targets))
            name, salutation = name_of[guest]
            who_text = f"{name}{salutation}" if salutation in ("先生", "女士") else f"{salutation} {name}".strip()
            body = said("Guest {who}{vip} arrived, room {room}{butler}", who=who_text,
                        vip=said(" (VIP {level})", level=vip) if vip else "", room=room,
                        butler=said(" — dedicated butler {name}", name=butler) if butler else "")
            if targets:
                self.messages.append(Msg(arrived, marker, self.staff_of(marker), "stations", targets, sorted(targets),
                                         "urgent" if vip else "routine", "", body, room=room, guest_id=guest))
            if vip >= 3:
                sent_at = self.local(arrival - timedelta(days=1), rng.randint(9, 17), rng.uniform(0, 60))
                teams = ["LOBBY", "ROOMS", "FNB"]
                content = f"VIP {vip} {MEMBER_LEVELS[vip]} · {who_text} · {arrival} · room {room}"
                approver = rng.choice(("0003", "0004"))
                notice = [stay_id, f"接待通知单 {who_text} H{stay_id:07d}", content, json.dumps(teams), "sent", booker,
                          iso(sent_at - timedelta(hours=3)), approver, iso(sent_at), iso(sent_at), None]
                notices.append(notice)
                to = [c for t in teams for c in self.team_stations[t] if c != "fo"]
                self.messages.append(Msg(sent_at, "fo", approver, "team", teams, sorted(to), "urgent", "",
                                         said("VIP reception notice — {content}", content=content), room=room,
                                         guest_id=guest, notice=notice))
        self.insert("stays", ["id", "reservation_no", "guest_id", "room_number", "room_type", "arrival_date", "eta",
                              "departure_date", "etd", "party_size", "car_plate", "parking_bay", "butler_no",
                              "booked_by", "status", "remarks", "created_at", "updated_at", "arrived_at",
                              "departed_at", "cancel_reason", "wakeup_time", "breakfast_time", "luggage_time",
                              "departure_time", "airport_car", "guest_feedback"], stays)
        # A stay that is over (cancelled, or its follow-up call made) has its checklist packed, as the app
        # packs it then (store/history.py); the others' items and stages are rows.
        from butler_tui.store.history import pack_checklist

        status_of = {s[0]: s[14] for s in stays}
        by_stay: dict[int, list[list[Any]]] = {}
        for item_id, i in enumerate(items, start=1):
            by_stay.setdefault(i[0], []).append([item_id, *i[1:]])
        stages_of: dict[int, list[list[Any]]] = {}
        for st in stages:
            stages_of.setdefault(st[0], []).append(list(st[1:]))
        packed, rows, stage_rows = [], [], []
        for stay_id, its in by_stay.items():
            follow_up = next((i[5] for i in its if i[2] == "follow_up_call"), None)
            done = status_of[stay_id] == "cancelled" or follow_up is not None
            if done:
                packed.append((stay_id, follow_up, pack_checklist(its, sorted(stages_of.get(stay_id, [])))))
            else:
                rows += [(i[0], stay_id, *i[1:]) for i in its]
                stage_rows += [(stay_id, *st) for st in stages_of.get(stay_id, [])]
        self.insert("checklist_items", ["id", "stay_id", "stage", "code", "mandatory", "position",
                                        "done_at", "done_by", "done_station", "note"], rows)
        self.insert("stay_stages", ["stay_id", "stage", "completed_at", "completed_by", "completed_station"],
                    stage_rows)
        self.insert("checklists_packed", ["stay_id", "follow_up_done_at", "items"], packed)
        self.built.counts["checklist_items (packed)"] = len(items) - len(rows)
        self.notices = notices
        self.conn.executemany("UPDATE guests SET last_visit = ?, visit_count = ? WHERE id = ?",
                              [(last_visit[g], n + self.rng.randint(0, 3), g) for g, n in visits.items()])

    # -- tasks and escalations -------------------------------------------------------------------
    def tasks(self) -> None:
        from butler_tui.defaults import DEFAULT_TYPES
        from butler_tui.i18n import english, said
        from butler_tui.services.escalation import NOTIFY_LABEL, next_check_iso, parse_ladder
        from butler_tui.services.tasks import dnd_due

        rng = self.rng
        types = {t.code: t for t in DEFAULT_TYPES}
        ladders = {code: t.ladder.model_dump_json() for code, t in types.items()}
        # Tasks snapshot their ladder by reference, one ``ladders`` row per distinct ladder (as the app does).
        self.conn.executemany("INSERT OR IGNORE INTO ladders (json) VALUES (?)", [(j,) for j in ladders.values()])
        ladder_ids = {code: self.conn.execute("SELECT id FROM ladders WHERE json = ?", (j,)).fetchone()[0]
                      for code, j in ladders.items()}
        specs: list[dict[str, Any]] = []
        for day in self.days_range():
            for _ in range(self.per_day(PER_YEAR["tasks"])):
                created = self.moment_in(day)
                if created > self.now:
                    continue
                code, _w, names, raisers = rng.choices(TASK_MIX, cum_weights=TASK_CUM)[0]
                specs.append({"created": created, "code": code, "name": rng.choice(names), "raisers": raisers})
        # A few hundred open: the last hour's, and some left open longer: on hold for up to a month,
        # deferred in the last week, forgotten (escalated to the top) in the last two days.
        for kinds, days, codes, count in STUCK:
            pool = [s for s in specs if self.now - s["created"] < timedelta(days=days) and "stuck" not in s
                    and (not codes or s["code"] in codes)]
            for s in rng.sample(pool, min(len(pool), count)):
                s["stuck"] = rng.choice(kinds)
        specs.sort(key=lambda s: s["created"])
        rows, escalations, origins = [], [], []
        for task_id, s in enumerate(specs, start=1):
            t = types[s["code"]]
            created = s["created"]
            room = None if s["code"] == "safety_emergency" or (s["code"] == "lost_found" and rng.random() < 0.3) \
                else rng.choice(self.room_numbers)
            raiser = rng.choice(s["raisers"])
            station = (self.floor_station.get(self.room_floor[room], "cs") if room else "security") \
                if raiser == "floor" else raiser
            owner = self.staff_of(station)
            owner_team = self.team_of[owner]
            second = t.team_code if t.team_code and t.team_code != owner_team else None
            assignee = rng.choice(self.by_team[second or owner_team])
            guest = self.guest_in(room, created) if room and s["code"] in ("guest_request", "amenity_delivery",
                                                                            "complaint", "laundry_pickup") else None
            if s["code"] == "dnd_check":
                due = dnd_due(created)
            elif t.due_minutes is not None:
                due = created + timedelta(minutes=t.due_minutes)
            else:
                due = None
            # Most are acknowledged within a couple of minutes and done well within the SLA; a few are not.
            span = (due - created) if due else timedelta(minutes=60)
            done = created + span * rng.lognormvariate(math.log(0.5), 0.35)
            ack = created + min(timedelta(minutes=rng.lognormvariate(math.log(1.2), 0.7)), (done - created) * 0.4)
            start = ack + (done - ack) * rng.uniform(0, 0.3)
            verified = done + timedelta(minutes=rng.uniform(5, 180))
            closed = verified + timedelta(minutes=rng.uniform(0, 120))
            end = rng.choices(("closed", "verified", "done", "cancelled"), weights=(80, 14.5, 0.5, 5))[0]
            stuck = s.get("stuck")
            held_since = hold_from = hold_reason = deferred_until = cancel_reason = resolution = None
            times: dict[str, datetime | None] = {"acknowledged_at": ack, "started_at": start, "done_at": done,
                                                 "verified_at": verified, "closed_at": closed}
            if end == "cancelled" and not stuck:
                cancelled_at = created + timedelta(minutes=rng.uniform(1, 30))
                times = {k: (v if v and v < cancelled_at else None) for k, v in times.items()}
                status, last, cancel_reason = "cancelled", cancelled_at, "客人取消 guest cancelled"
            else:
                order = ["acknowledged_at", "started_at", "done_at", "verified_at", "closed_at"]
                order = order[:{"verified": 4, "done": 3}.get(end, 5)]
                if stuck:
                    order = {"on_hold": order[:2], "deferred": [], "in_progress": order[:2],
                             "acknowledged": order[:1], "new": []}[stuck]
                    if stuck == "on_hold":
                        held_since, hold_from = start + timedelta(minutes=rng.uniform(5, 60)), "in_progress"
                        hold_reason = rng.choice(HOLD_REASONS)
                reached = [k for k in order if times[k] and times[k] <= self.now]  # type: ignore[operator]
                times = {k: (v if k in reached else None) for k, v in times.items()}
                status = {0: "new", 1: "acknowledged", 2: "in_progress", 3: "done", 4: "verified", 5: "closed"}[
                    len(reached)]
                if stuck == "on_hold" and held_since and held_since <= self.now:
                    status = "on_hold"
                elif stuck == "deferred":
                    status = "deferred"
                    deferred_until = self.now + timedelta(hours=rng.uniform(2, 72))
                    due = deferred_until + span
                last = max([created] + [v for v in times.values() if v])
                if times["done_at"]:
                    resolution = "已完成 done"
            # The ladder, as the sweep would have applied it up to the task's last step (or now).
            ladder = parse_ladder(ladders[s["code"]])
            bad_ack = times["acknowledged_at"] or (held_since if status == "on_hold" else None) or self.now
            bad_done = times["done_at"] or (held_since if status == "on_hold" else None) or self.now
            if status == "deferred":  # put off a few minutes after it came in
                bad_ack = bad_done = created + timedelta(minutes=rng.uniform(1, 4))
            if status == "cancelled":
                bad_ack = min(bad_ack, last)
                bad_done = min(bad_done, last)
            priority, level, repeats, last_escalated = t.priority, 0, 0, None
            fired: list[tuple[datetime, str, int, int, str, Any]] = []
            for step in sorted(ladder.steps, key=lambda x: x.level):
                if step.when == "unacknowledged":
                    at, until = created + timedelta(minutes=step.after_minutes), bad_ack
                elif due is not None:
                    at, until = due + timedelta(minutes=step.after_minutes), bad_done
                else:
                    continue
                if at >= until or at > self.now:
                    if step.when == "unacknowledged":
                        continue
                    break
                minutes = step.after_minutes
                reason = (said("not acknowledged {minutes:g} min", minutes=minutes) if step.when == "unacknowledged"
                          else said("past due +{minutes:g} min", minutes=minutes) if minutes else said("past due"))
                fired.append((at, "escalate", step.level, 0, step.notify, reason))
                level, last_escalated = step.level, at
            top = max((x.level for x in ladder.steps), default=0)
            if top and level == top and last_escalated:
                top_step = next(x for x in ladder.steps if x.level == top)
                until = bad_ack if top_step.when == "unacknowledged" else bad_done
                for k in range(1, ladder.max_repeats + 1):
                    at = last_escalated + timedelta(minutes=ladder.repeat_every_minutes)
                    if at >= until or at > self.now:
                        break
                    fired.append((at, "repeat", top, k, top_step.notify, said("still open, reminder {n}", n=k)))
                    last_escalated, repeats = at, k
            for at, kind, lvl, repeat_no, notify, reason in fired:
                priority = max(1, priority - 1)
                label = said("REMINDER") if kind == "repeat" else said("ESCALATION L{level}", level=lvl)
                body = said("{label} → {notify}: task #{id} {name}{room} — {reason} · P{priority}", label=label,
                            notify=said(NOTIFY_LABEL[notify]), id=task_id, name=s["name"],
                            room=said(" room {room}", room=room) if room else "", reason=reason, priority=priority)
                teams = [x for x in (owner_team, second) if x]
                to = sorted({c for x in teams for c in self.team_stations.get(x, [])})
                if station not in to:
                    to.append(station)
                row = [task_id, lvl, repeat_no, iso(at), english(reason), notify, None, None]
                escalations.append(row)
                self.messages.append(Msg(at, station, None, "team", teams, to,
                                         "emergency" if s["code"] == "safety_emergency" else "urgent", "", body,
                                         room=room, task_id=task_id, escalation=row))
                last = max(last, at)
            row_map = {
                "id": task_id, "type": s["code"], "name": s["name"], "room_number": room, "guest_id": guest,
                "priority": priority, "status": status, "station_code": station, "owner_no": owner,
                "owner_team": owner_team, "second_team": second, "assignee_no": assignee if times["acknowledged_at"]
                else None, "created_at": iso(created), "due_at": iso(due) if due else None,
                **{k: iso(v) if v else None for k, v in times.items()},
                "hold_reason": hold_reason, "held_since": iso(held_since) if held_since and status == "on_hold" else None,
                "held_seconds": 0, "deferred_until": iso(deferred_until) if deferred_until else None,
                "escalation_level": level, "ladder_id": ladder_ids[s["code"]], "repeat_count": 0, "resolution": resolution,
                "cancel_reason": cancel_reason, "updated_at": iso(last), "hold_from": hold_from if status == "on_hold"
                else None, "clock_started_at": None, "last_progress_at": iso(max([created] + [
                    v for v in times.values() if v])), "escalation_repeats": repeats,
                "last_escalated_at": iso(last_escalated) if last_escalated else None,
            }
            row_map["next_check_at"] = next_check_iso({**row_map, "ladder": ladders[s["code"]]}, self.now) if status in (
                "new", "acknowledged", "in_progress", "on_hold", "deferred", "reopened") else None
            rows.append(row_map)
            self.event(created, owner, station, "tasks", task_id, "create",
                       after={"type": s["code"], "name": s["name"], "room": room, "priority": t.priority,
                              "owner": owner, "owner_team": owner_team, "doing_team": second or owner_team,
                              "due_at": row_map["due_at"]})
            if priority != t.priority:  # raised by its ladder: the app's trigger kept the task as created
                origins.append((task_id, s["code"], s["name"], room, t.priority, owner, owner_team, second,
                                row_map["due_at"]))
        columns = list(rows[0])
        self.insert("tasks", columns, [tuple(r[c] for c in columns) for r in rows])
        self.insert("task_origins", ["task_id", "type", "name", "room_number", "priority", "owner_no", "owner_team",
                                     "second_team", "due_at"], origins)
        self.escalations = escalations

    # -- radio traffic, then every message with its acks -----------------------------------------
    def chatter(self) -> None:
        rng = self.rng
        senders = ["lobby"] * 5 + ["fo"] * 4 + ["cs"] * 5 + ["floors-low", "floors-mid", "floors-high"] * 2 + \
            ["security"] * 2 + ["fnb"] * 2 + ["conf", "eng", "acct"]
        target = round(PER_YEAR["messages"] * self.scale)
        rate = max(0, target - len(self.messages)) / self.days * 365
        recent: list[Msg] = []
        for day in self.days_range():
            for _ in range(self.per_day(rate)):
                at = self.moment_in(day)
                if at > self.now:
                    continue
                sender = rng.choice(senders)
                room = rng.choice(self.room_numbers)
                body = rng.choice(CHAT).format(room=room, item=rng.choice(ITEMS), n=rng.randint(2, 20))
                priority = rng.choices(("routine", "urgent", "emergency"), weights=(85, 13, 2))[0]
                roll = rng.random()
                parent = None
                if roll < 0.06 and recent:
                    parent = rng.choice(recent[-40:])
                    at = parent.at + timedelta(minutes=rng.uniform(0.5, 10))
                    if at > self.now:
                        continue
                    root = parent
                    while root.parent is not None:
                        root = root.parent
                    sender = rng.choice(parent.to)
                    if sender == root.from_station:
                        continue
                    kind, audience, to = "stations", [root.from_station], [root.from_station]
                    body = "收到 received — " + body[:80]
                elif roll < 0.85:
                    kind, audience, to = "all", [], [c for c in self.all_stations if c != sender]
                elif roll < 0.95:
                    to = sorted(rng.sample([c for c in self.all_stations if c != sender], rng.randint(1, 3)))
                    kind, audience = "stations", to
                else:
                    team = rng.choice(["LOBBY", "ROOMS", "CS", "FNB", "SEC"])
                    to = [c for c in self.team_stations[team] if c != sender]
                    kind, audience = "team", [team]
                if not to:
                    continue
                m = Msg(at, sender, self.staff_of(sender), kind, audience, to, priority, body,
                        room=room if "{room}" in body or room in body else None, parent=parent)
                recent.append(m)
                self.messages.append(m)

    def post_messages(self) -> None:
        from butler_tui.i18n import english

        rng = self.rng
        self.messages.sort(key=lambda m: m.at)
        rows: list[tuple[Any, ...]] = []
        acks: list[tuple[int, str, str | None, str | None]] = []
        last_day = self.now - timedelta(days=1)
        for mid, m in enumerate(self.messages, start=1):
            m.id = mid
            body = english(m.said)[:500] if m.said is not None else m.body
            root = m.parent
            while root is not None and root.parent is not None:
                root = root.parent
            rows.append((mid, m.from_station, m.from_staff, m.kind, json.dumps(m.audience, ensure_ascii=False),
                         m.priority, body, m.room, m.guest_id, m.task_id, root.id if root else None, iso(m.at),
                         json.dumps(m.said, ensure_ascii=False) if m.said is not None else None))
            if m.escalation is not None:
                m.escalation[7] = mid
            if m.notice is not None:
                m.notice[10] = mid
            median = {"routine": 1.5, "urgent": 0.5, "emergency": 0.25}[m.priority]
            for code in m.to:
                acked = m.at + timedelta(minutes=min(240.0, rng.lognormvariate(math.log(median), 1.0)))
                if code in BACK_OFFICE and not 8 <= m.at.astimezone().hour < 18:
                    morning = m.at.astimezone().date() + timedelta(days=0 if m.at.astimezone().hour < 8 else 1)
                    acked = self.local(morning, 8, rng.uniform(0, 45))
                forgotten = rng.random() < (0.004 if m.at > last_day else 0.000002)
                if acked <= self.now and not forgotten:
                    acks.append((mid, code, self.staff_of(code), iso(acked)))
                else:
                    acks.append((mid, code, None, None))
            self.event(m.at, m.from_staff, m.from_station, "messages", mid, "send",
                       after={"priority": m.priority, "to": m.to, "parent_id": root.id if root else None,
                              "room": m.room})
        self.insert("messages", ["id", "from_station", "from_staff", "audience_kind", "audience", "priority", "body",
                                 "room_number", "guest_id", "task_id", "parent_id", "created_at", "body_said"], rows)
        self.insert("acks", ["message_id", "station_code", "staff_no", "acked_at"], acks)
        self.escalations.sort(key=lambda e: str(e[3]))
        self.insert("escalations", ["task_id", "level", "repeat_no", "fired_at", "reason", "notify", "by_staff",
                                    "message_id"], [tuple(e) for e in self.escalations])
        self.insert("vip_notices", ["stay_id", "name", "content", "teams", "status", "created_by", "created_at",
                                    "approved_by", "approved_at", "sent_at", "message_id"],
                    [tuple(n) for n in self.notices])

    # -- the duty log and the handover book ------------------------------------------------------
    def duty(self) -> None:
        from butler_tui.config import DEFAULT_SHIFTS, latest_shift, next_shift, shift_window
        from butler_tui.store import pack

        rng = self.rng
        entries = []
        rate = PER_YEAR["log_entries"] / len(self.stations)
        for day in self.days_range():
            for code in self.all_stations:
                for _ in range(self.per_day(rate)):
                    at = self.moment_in(day)
                    if at > self.now:
                        continue
                    shift, shift_day = latest_shift(at.astimezone(), DEFAULT_SHIFTS)
                    room = rng.choice(self.room_numbers)
                    text = rng.choice(LOG_TEXTS).format(room=room)
                    entries.append([at, code, shift.name, shift_day.isoformat(), self.staff_of(code), text,
                                    int(rng.random() < 0.05), room if room in text else None])
        entries.sort(key=lambda e: e[0])
        rows, last_of = [], dict[str, int]()
        for entry_id, (at, code, shift, shift_day, author, text, high, room) in enumerate(entries, start=1):
            corrects = last_of.get(code) if rng.random() < 0.01 else None
            rows.append((entry_id, code, shift, shift_day, author, iso(at), ("更正 correction: " if corrects else "") + text,
                         high, room, corrects))
            last_of[code] = entry_id
            self.event(at, author, code, "log_entries", entry_id, "correct" if corrects else "add",
                       after={"high_priority": bool(high), "corrects": corrects})
        self.insert("log_entries", ["id", "station_code", "shift", "shift_date", "author_no", "created_at", "text",
                                    "high_priority", "room_number", "corrects_id"], rows)
        handovers = []
        for day in self.days_range():
            for shift in DEFAULT_SHIFTS:
                start, end = shift_window(shift, day)
                nxt, nxt_day = next_shift(shift, day, DEFAULT_SHIFTS)
                n_start, n_end = shift_window(nxt, nxt_day)
                for code in self.all_stations:
                    out_at = end.astimezone(UTC) - timedelta(minutes=rng.uniform(0, 25))
                    if out_at > self.now or rng.random() < 0.02:
                        continue
                    lead = self.lead_of(self.station_team[code])
                    in_at = max(out_at, n_start.astimezone(UTC)) + timedelta(minutes=rng.uniform(2, 40))  # the incoming shift
                    reader = rng.choice([s for s in self.by_team[self.station_team[code]] if s != lead] or ["0001"])
                    report = dict(self.templates.get(code) or self.templates[""])
                    report.update(station=code, shift=shift.name, shift_date=day.isoformat(),
                                  window=[iso(start.astimezone(UTC)), iso(end.astimezone(UTC))], next_shift=nxt.name,
                                  next_shift_date=nxt_day.isoformat(), generated_at=iso(out_at),
                                  next_window=[iso(n_start.astimezone(UTC)), iso(n_end.astimezone(UTC))])
                    signed_in = in_at <= self.now
                    handovers.append((out_at, f"{code} {shift.name} {day}", shift.name, day.isoformat(), code, lead,
                                      pack(report), lead, iso(out_at),  # as the app stores a signed report
                                      reader if signed_in else None, iso(in_at) if signed_in else None, iso(out_at),
                                      nxt.name, nxt_day.isoformat()))
        handovers.sort(key=lambda h: h[0])
        for hid, h in enumerate(handovers, start=1):
            self.event(h[0], h[5], h[4], "handovers", hid, "sign_out",
                       after={"shift": h[2], "date": h[3], "open_tasks": len(self.templates.get(h[4], {}).get(
                           "open_tasks", []))})
        self.insert("handovers", ["id", "name", "shift", "shift_date", "station_code", "author_no", "report",
                                  "signed_out_by", "signed_out_at", "signed_in_by", "signed_in_at", "created_at",
                                  "next_shift", "next_shift_date"], [(i, *h[1:]) for i, h in enumerate(handovers, 1)])

    def write_events(self) -> None:
        from butler_tui.store.history import compact_after

        # As the app stores them: a message's send and a task's create refer to their rows (store/history.py).
        self.events = [e if e[7] is None or (e[3], e[5]) not in (("messages", "send"), ("tasks", "create")) else
                       (*e[:7], compact_after(self.conn, e[3], e[5], e[4], json.loads(e[7]))) for e in self.events]
        self.events.sort(key=lambda e: e[0])
        # Chained as the app chains them (store/chain.py), in one pass over the batch.
        from butler_tui.store.chain import chained, last

        first_id, prev = last(self.conn)
        self.insert("events", ["id", "at", "actor", "station", "entity", "entity_id", "action", "before", "after",
                               "hash"], chained(prev, ((i, *e) for i, e in enumerate(self.events, first_id))))


def report_templates(store) -> dict[str, dict[str, Any]]:
    """Each station's handover report on the fresh demo: what a signed report holds, at its real size."""
    from butler_tui.services import handover

    codes = [r["code"] for r in store.rows("SELECT code FROM stations ORDER BY code")]
    return {code: handover.build_report(store, code) for code in codes} | {"": handover.build_report(store, None)}


def build(path: Path, seed: int, days: int, now: datetime, templates: dict[str, dict[str, Any]]) -> Built:
    import sqlite3

    from butler_tui.services.demo import load_demo
    from butler_tui.services.escalation import sweep
    from butler_tui.store import Store

    t0, cpu0 = time.perf_counter(), time.process_time()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    Store(path).close()  # the schema, as the app creates it
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA cache_size = -400000")
    builder = Builder(conn, seed, days, now, templates)
    conn.execute("BEGIN IMMEDIATE")
    steps = [("guests", builder.guests), ("stays", builder.stays), ("tasks", builder.tasks),
             ("radio traffic", builder.chatter), ("messages + acks", builder.post_messages),
             ("duty log + handovers", builder.duty), ("events", builder.write_events)]
    for label, step in steps:
        t = time.perf_counter()
        step()
        print(f"  {label}: {time.perf_counter() - t:.1f} s", file=sys.stderr)
    t = time.perf_counter()
    conn.execute("COMMIT")
    conn.close()
    print(f"  commit: {time.perf_counter() - t:.1f} s; of the above, inserting: "
          + ", ".join(f"{k} {v:.1f} s" for k, v in builder.built.insert_seconds.items()), file=sys.stderr)
    t = time.perf_counter()
    store = Store(path)
    load_demo(store)
    sweep(store)  # what the first station to open does within 5 s
    broken = store.rows("PRAGMA foreign_key_check")
    if broken:
        raise SystemExit(f"the built history breaks {len(broken)} foreign keys, first: {broken[0]}")
    with store.write("bench", None) as tx:
        tx.execute("INSERT OR REPLACE INTO settings (name, value) VALUES ('bench_history', ?)",
                   (json.dumps(params(seed, days, now)),))
        tx.event("bench", None, "history", after=builder.built.counts)
    store.db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    print(f"  demo on top, sweep, foreign-key check: {time.perf_counter() - t:.1f} s", file=sys.stderr)
    builder.built.seconds = time.perf_counter() - t0
    builder.built.cpu_seconds = time.process_time() - cpu0
    return builder.built


def params(seed: int, days: int, now: datetime) -> dict[str, Any]:
    return {"format": FORMAT, "seed": seed, "days": days, "now": iso(now)}


def built_with(path: Path) -> dict[str, Any] | None:
    import sqlite3

    if not path.exists():
        return None
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        row = conn.execute("SELECT value FROM settings WHERE name = 'bench_history'").fetchone()
        conn.close()
    except sqlite3.Error:
        return None
    return json.loads(row[0]) if row else None


# ------------------------------------------------------------------------------------------------
# Measuring
# ------------------------------------------------------------------------------------------------


def reads() -> list[tuple[str, Callable[[Any], Any]]]:
    from butler_tui.services import escalation, guests, handover, messaging, reports, stays, tasks
    from butler_tui.services.overview import station_state as read_station_state
    from butler_tui.ui.arrivals import ArrivalsScreen
    from butler_tui.ui.handover import load_handover
    from butler_tui.ui.tasks import load_board

    def station_tasks(store, code: str):
        teams, floors = tasks.teams_of_station(store, code)
        return tasks.open_tasks(store, teams=teams, floors=floors, station=code)

    def today():
        from butler_tui import clock

        return clock.today()

    def report(store, days: int, by: str | None):
        from datetime import timedelta

        return reports.figures(store, *reports.days_window(today() - timedelta(days=days - 1), today()), by).rows

    return [
        ("station state (lobby): overview, unacked, handover", lambda s: read_station_state(s, "lobby")),
        ("station state (floors-mid)", lambda s: read_station_state(s, "floors-mid")),
        ("unacked_for lobby", lambda s: messaging.unacked_for(s, "lobby")),
        ("unacked_for conf (back office)", lambda s: messaging.unacked_for(s, "conf")),
        ("unacked_for security", lambda s: messaging.unacked_for(s, "security")),
        ("message log (lobby, 200 newest, as its screen)", lambda s: messaging.list_messages(s, station="lobby",
                                                                                           limit=200)),
        ("message log, hotel-wide unacked", lambda s: messaging.list_messages(s, unacked=True)),
        ("message search '空调' in the lobby's log (its screen, redone on each change while filtered)",
         lambda s: messaging.list_messages(s, station="lobby", search="空调", limit=200)),
        ("message search '空调', all stations, 500 newest — on demand", lambda s: messaging.list_messages(s, search="空调")),
        ("arrivals board (arrivals+departures+follow-up)", lambda s: ArrivalsScreen._load(s, today())),
        ("follow-up queue (its tab: no checklist column)", lambda s: stays.follow_up_queue(s, progress=False)),
        ("handover board (lobby), as the screen loads it", lambda s: load_handover(s, "lobby")),
        ("handover report build (lobby)", lambda s: handover.build_report(s, "lobby")),
        ("handover report build (whole hotel) — on demand (`butler handover show`)", lambda s: handover.build_report(s, None)),
        ("task board (lobby, mine): rooms + open tasks", lambda s: load_board(s, "lobby", False)),
        ("open_tasks (floors-mid: teams, floors, station)", lambda s: station_tasks(s, "floors-mid")),
        ("escalation queue", tasks.escalation_queue),
        ("`task list --all` (limit 5000) — on demand", lambda s: tasks.open_tasks(s, include_closed=True)),
        ("guest lookup 'lxl' — on demand", lambda s: guests.find(s, "lxl")),
        ("guest lookup '王' (1-char scan) — on demand", lambda s: guests.find(s, "王")),
        ("sweep, nothing due", lambda s: escalation.sweep(s)),
        ("report, 365 days, whole hotel (days kept) — on demand", lambda s: report(s, 365, None)),
        ("report, 365 days by team (days kept) — on demand", lambda s: report(s, 365, "team")),
        ("report, 7 days by staff — on demand", lambda s: report(s, 7, "staff")),
    ]


def size(result: Any) -> int:
    if isinstance(result, list | tuple):
        return sum(size(x) for x in result) if result and isinstance(result[0], list | dict) else len(result)
    if isinstance(result, dict):
        lists = [v for v in result.values() if isinstance(v, list) and v and isinstance(v[0], dict)]
        return sum(len(v) for v in lists) if lists else sum(size(v) for v in result.values())
    for name in ("unacked", "tasks", "examined"):
        if hasattr(result, name):
            value = getattr(result, name)
            return value if isinstance(value, int) else len(value)
    return 0


@dataclass
class Timing:
    median: float
    p95: float
    rows: int
    statements: list[str]


def first_report(path: Path) -> float:
    """Seconds of the year's report on a file whose kept days are cleared: the first one works every day out."""
    from datetime import timedelta

    from butler_tui import clock
    from butler_tui.services import reports
    from butler_tui.store import Store

    store = Store(path, create=False)
    store.db.conn.execute("DELETE FROM report_days")
    t0 = time.perf_counter()
    reports.figures(store, *reports.days_window(clock.today() - timedelta(days=364), clock.today()), "team")
    seconds = time.perf_counter() - t0
    store.close()
    return seconds


def measure(path: Path, runs: int) -> dict[str, Timing]:
    from butler_tui.store import Store

    store = Store(path, create=False)
    store.rows("SELECT count(*) FROM stays")  # open the connection
    out = {}
    for label, read in reads():
        statements: list[str] = []
        store.db.conn.set_trace_callback(statements.append)
        result = read(store)  # warm-up run: its SQL is kept for EXPLAIN
        store.db.conn.set_trace_callback(None)
        times = []
        for _ in range(runs):
            t0 = time.perf_counter()
            read(store)
            times.append((time.perf_counter() - t0) * 1000)
        selects = [sql for sql in dict.fromkeys(statements) if re.match(r"\s*(SELECT|WITH)\b", sql, re.I)]
        out[label] = Timing(statistics.median(times), percentile(times, 95), size(result), selects)
    store.close()
    return out


_TABLE_REF = re.compile(r"\b(?:FROM|JOIN)\s+([a-z_]\w*)(?:\s+(?:AS\s+)?([a-z_]\w*))?", re.I)
_NOT_ALIAS = {"where", "on", "left", "join", "order", "group", "limit", "inner", "using", "and", "or"}


def full_scans(path: Path, timings: dict[str, Timing]) -> list[tuple[list[str], str, list[str], float]]:
    """Statements whose plan scans a history table without an index: (reads, statement, plan lines, ms).
    Statements that differ only in their values (the station, the day) are listed once."""
    import sqlite3

    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    found: list[tuple[list[str], str, list[str], float]] = []
    seen: dict[str, list[str]] = {}
    for label, timing in timings.items():
        for sql in timing.statements:
            shape = re.sub(r"'(?:[^']|'')*'|\b\d+\b", "?", sql)
            if shape in seen:
                if label not in seen[shape]:
                    seen[shape].append(label)
                continue
            seen[shape] = labels = [label]
            aliases = {}
            for table, alias in _TABLE_REF.findall(sql):
                aliases[table.lower()] = table.lower()
                if alias and alias.lower() not in _NOT_ALIAS:
                    aliases[alias.lower()] = table.lower()
            try:
                plan = conn.execute(f"EXPLAIN QUERY PLAN {sql}").fetchall()
            except sqlite3.Error:
                continue
            bad = []
            for _id, _parent, _unused, detail in plan:
                m = re.match(r"SCAN (\w+)", detail)
                if m and aliases.get(m.group(1).lower(), m.group(1).lower()) in HISTORY_TABLES:
                    bad.append(detail)
            if bad:
                t0 = time.perf_counter()
                conn.execute(sql).fetchall()
                found.append((labels, sql, bad, (time.perf_counter() - t0) * 1000))
    conn.close()
    return found


def columns(text: str) -> int:
    """Terminal columns: a Chinese character takes two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def file_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in (path, Path(f"{path}-wal")) if p.exists()) / 1e6


def archive_copy(path: Path, tmp: Path, keep_days: int) -> str:
    """On a copy of the year-old file: archive what is older than ``keep_days`` (as ``butler archive
    --before`` does, then VACUUM); the sizes, one line."""

    from butler_tui import clock
    from butler_tui.services import archive
    from butler_tui.store import Store

    copy = tmp / "archived.db"
    shutil.copyfile(path, copy)
    store = Store(copy, create=False)
    t0 = time.perf_counter()
    _, vacuumed = archive.compact(store)  # `butler vacuum`: the file as grown, its pages packed
    vacuum_line = f"after `butler vacuum`: {vacuumed / 1e6:,.0f} MB ({time.perf_counter() - t0:.1f} s)\n"
    before = (clock.today() - timedelta(days=keep_days)).isoformat()
    t0 = time.perf_counter()
    result = archive.archive(store, before, staff_no="0009", vacuum=True)
    seconds = time.perf_counter() - t0
    store.close()
    moved = ", ".join(f"{k} {v:,}" for k, v in result.counts.items())
    return vacuum_line + (f"after `butler archive --before {before}` (keeps {keep_days} days; {seconds:.1f} s with VACUUM):"
            f" file {result.size_before / 1e6:,.0f} → {result.size_after / 1e6:,.0f} MB, archive file"
            f" {Path(result.path).stat().st_size / 1e6:,.0f} MB; moved {moved}")


def same_day_copy(path: Path, tmp: Path) -> Path:
    """The same hotel on the same day without its history: a copy of the year-old file after ``butler archive
    --before`` yesterday, the archive file then deleted (the boards never read it). Today's work (every open
    task, unacknowledged message, arrival, departure and follow-up call, the shifts' tasks and messages) is
    the year-old file's, row for row; what is gone is the closed history. A read that costs what today's work
    costs takes the same time on both; one that costs what history costs does not."""

    from butler_tui import clock
    from butler_tui.services import archive
    from butler_tui.store import Store

    copy = tmp / "same-day.db"
    shutil.copyfile(path, copy)
    store = Store(copy, create=False)
    result = archive.archive(store, (clock.today() - timedelta(days=1)).isoformat(), to=tmp / "history.sqlite",
                             staff_no="0009", vacuum=True)
    store.db.conn.execute("DELETE FROM settings WHERE name = 'archive_path'")
    store.close()
    Path(result.path).unlink()
    return copy


# (label, key, the run_db group of the read that fills it) — the boards a duty butler opens
BOARDS = [("task board (t)", "t", "rooms-board"), ("arrivals board (r)", "r", "arrivals"),
          ("handover board (b)", "b", "handover"), ("message log (l)", "l", "messages-list")]
FIRST_SHOW_DEADLINE = 60.0  # seconds a board may take to show before the bench gives up


@dataclass
class Shows:
    times: list[float] = field(default_factory=list)  # ms, the timed opens: key press → repainted
    filled: list[float] = field(default_factory=list)  # ms, key press → the read's rows put in the board
    cold: float = 0.0  # ms, the first open in the app (imports, CSS, a cold page cache)
    rows: int = 0  # rows in the board's tables once shown


class _Timed:
    """A ``then`` of ``run_db``, and ``done`` after it; it keeps the ``__self__`` of the callback it stands
    for, so that the app still skips it when its board has gone (``_unless_gone``)."""

    def __init__(self, then: Callable[[Any], Any], done: Callable[[], None]) -> None:
        self.then, self.done = then, done
        owner = getattr(then, "__self__", None)
        if owner is not None:
            self.__self__ = owner

    def __call__(self, value: Any) -> None:
        self.then(value)
        self.done()


async def _first_shows(path: Path, runs: int, station: str = "lobby", staff_no: str = "1002") -> dict[str, Shows]:
    """A headless station (120×36) signed in at ``station``: each board opened by its key from the home
    screen, timed from the key press until the screen has been repainted after the read that fills the
    board was shown (``then`` ran, and a ``call_after_refresh`` queued from it ran); then escape. The first
    open of each board is untimed (kept as ``cold``), the next ``runs`` are timed."""
    import asyncio

    from butler_tui.app import ButlerApp
    from butler_tui.ui.home import HomeScreen
    from butler_tui.ui.table import KeyedTable

    groups = {group for _, _, group in BOARDS}
    painted: dict[str, float] = {}
    filled: dict[str, float] = {}  # the read's rows put in the board (before the repaint)
    shown = asyncio.Event()

    def mark(group: str) -> None:
        painted.setdefault(group, time.perf_counter())
        shown.set()

    app = ButlerApp(path, station, staff_no)
    run_db = app.run_db

    def timed_run_db(fn: Callable[..., Any], *args: Any, then: Callable[[Any], Any] | None = None,
                     group: str = "db", **kwargs: Any) -> Any:
        if then is not None and group in groups and not isinstance(then, _Timed):
            def done(group: str = group) -> None:
                filled.setdefault(group, time.perf_counter())
                app.call_after_refresh(mark, group)
            then = _Timed(then, done)
        return run_db(fn, *args, then=then, group=group, **kwargs)

    app.run_db = timed_run_db  # type: ignore[method-assign]

    async def until(pilot: Any, condition: Callable[[], object], what: str) -> None:
        deadline = time.monotonic() + FIRST_SHOW_DEADLINE
        while not condition():
            if time.monotonic() > deadline:
                raise RuntimeError(f"{path.name}: {what} not within {FIRST_SHOW_DEADLINE:.0f} s")
            await pilot.pause(0.005)

    def at_home() -> bool:
        return isinstance(app.screen, HomeScreen) and not (app._reading & groups)

    out = {label: Shows() for label, _, _ in BOARDS}
    async with app.run_test(size=(120, 36)) as pilot:
        # Started: the station's first state is shown (an unsigned handover opens its board then: closed).
        await until(pilot, lambda: app.state is not None and app.station is not None, "the station's first state")
        await pilot.pause()
        app.action_home()
        await until(pilot, at_home, "the home screen")
        for run in range(runs + 1):
            for label, key, group in BOARDS:
                painted.clear()
                filled.clear()
                t0 = time.perf_counter()
                await pilot.press(key)
                while group not in painted:  # woken by each board read shown: no polling while it loads
                    shown.clear()
                    try:
                        await asyncio.wait_for(shown.wait(), FIRST_SHOW_DEADLINE)
                    except TimeoutError:
                        raise RuntimeError(f"{path.name}: {label} not shown within {FIRST_SHOW_DEADLINE:.0f} s") from None
                ms = (painted[group] - t0) * 1000
                shows = out[label]
                if run == 0:
                    shows.cold = ms
                else:
                    shows.times.append(ms)
                    shows.filled.append((filled[group] - t0) * 1000)
                shows.rows = sum(t.row_count for t in app.screen.query(KeyedTable))
                await pilot.press("escape")
                if not isinstance(app.screen, HomeScreen):  # an emergency or a filter on top: straight home
                    app.action_home()
                await until(pilot, at_home, "the home screen after " + label)
    if app._exception is not None:
        raise app._exception
    return out


def first_shows(path: Path, runs: int) -> dict[str, Shows]:
    import asyncio

    return asyncio.run(_first_shows(path, runs))


def run_stations(out: Path, stations: str, messages: int) -> int:
    """``bench/stations.py --history OUT`` (its output printed through); its exit status."""
    import subprocess

    script = Path(__file__).resolve().parent / "stations.py"
    command = [sys.executable, str(script), "--history", str(out), "--stations", stations, "--messages", str(messages)]
    print(f"\n$ {' '.join(command[1:])}", flush=True)
    sys.stderr.flush()
    return subprocess.run(command, check=False).returncode


def print_first_shows(shows: dict[str, dict[str, Any]], runs: int) -> None:
    print(f"\nboards' first show in a headless station (lobby, staff 1002, 120×36): ms from the key press until the"
          f" board was repainted with the rows of its read; median / max of {runs} opens, each from"
          " the home screen, after one untimed open (cold: that first open in a newly started station)")
    bwidth = max(columns(label) for label, _, _ in BOARDS)
    print(f"| {'board':<{bwidth}} | {'fresh demo':>13} | {'same day':>13} | {'year':>13} | year ÷ same day |"
          " cold fresh / same day / year | rows fresh / same day / year |")
    print(f"|{'-' * (bwidth + 2)}|--------------:|--------------:|--------------:|----------------:|"
          "----------------------------:|-----------------------------:|")
    for label, _, _ in BOARDS:
        f_s, d_s, y_s = (shows[k][label] for k in ("fresh", "same", "year"))
        med = {k: statistics.median(shows[k][label].times) for k in shows}
        ratio = med["year"] / med["same"] if med["same"] else 0
        cells = " | ".join(f"{med[k]:5.0f} / {max(shows[k][label].times):5.0f}" for k in ("fresh", "same", "year"))
        print(f"| {label:<{bwidth}} | {cells} | {ratio:15.1f} | {f_s.cold:8.0f} / {d_s.cold:8.0f} / {y_s.cold:6.0f} |"
              f" {f_s.rows:>7,} / {d_s.rows:>6,} / {y_s.rows:<7,} |")
    print("\nof which until the read's rows were put in the board (the read in its thread worker, then the"
          " table filled; the rest is layout and paint), median ms")
    print(f"| {'board':<{bwidth}} | fresh demo | same day |  year |")
    print(f"|{'-' * (bwidth + 2)}|-----------:|---------:|------:|")
    for label, _, _ in BOARDS:
        fills = [statistics.median(shows[k][label].filled) for k in ("fresh", "same", "year")]
        print(f"| {label:<{bwidth}} | {fills[0]:10.0f} | {fills[1]:8.0f} | {fills[2]:5.0f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--days", type=int, default=365, help="days of history (the rates are per year)")
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--now", default=None, help="the build instant, ISO (default: now)")
    parser.add_argument("--out", type=Path, default=None, help="the year-old database (default: in the temp dir)")
    parser.add_argument("--reuse", action="store_true", help="keep --out if built with the same seed and days")
    parser.add_argument("--runs", type=int, default=15, help="timed runs of each read")
    parser.add_argument("--keep-days", type=int, default=90,
                        help="on a copy, `butler archive --before` this many days ago, and its size")
    parser.add_argument("--first-show-runs", type=int, default=5,
                        help="timed opens of each board in a headless station (after one untimed; 0: skipped)")
    parser.add_argument("--stations", default="10,30,60",
                        help="then bench/stations.py on the year-old file with these numbers of stations"
                             " (\"\": skipped)")
    parser.add_argument("--messages", type=int, default=20, help="bench/stations.py --messages")
    args = parser.parse_args()
    if args.first_show_runs < 0:
        parser.error("--first-show-runs must be 0 or more")

    from butler_tui import clock
    from butler_tui.services.demo import load_demo
    from butler_tui.services.escalation import sweep
    from butler_tui.store import Store

    out = args.out or Path(tempfile.gettempdir()) / f"butler-history-{args.seed}-{args.days}d.db"
    existing = built_with(out) if args.reuse else None
    reuse = existing is not None and {k: existing.get(k) for k in ("format", "seed", "days")} == \
        {"format": FORMAT, "seed": args.seed, "days": args.days} and (args.now is None or
                                                                    existing["now"] == iso(clock.parse(args.now)))
    if reuse:
        assert existing is not None
        now = clock.parse(existing["now"])
    else:
        now = (clock.parse(args.now) if args.now else datetime.now(UTC)).astimezone(UTC)
        now = now.replace(microsecond=now.microsecond // 1000 * 1000)
    clock.freeze(now)
    with tempfile.TemporaryDirectory() as tmp:
        fresh = Path(tmp) / "demo.db"
        store = Store(fresh)
        load_demo(store)
        sweep(store)  # as on the year-old file: a station has opened
        templates = report_templates(store)
        store.db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        store.close()
        if reuse:
            print(f"reusing {out} (seed {args.seed}, {args.days} days, built at {iso(now)})")
        else:
            print(f"building {out}: seed {args.seed}, {args.days} days of history ending {iso(now)}", file=sys.stderr)
            built = build(out, args.seed, args.days, now, templates)
            print(f"built in {built.seconds:.1f} s ({built.cpu_seconds:.1f} s CPU): "
                  + ", ".join(f"{k} {v:,}" for k, v in built.counts.items()))
        print(f"year-old file {file_mb(out):,.0f} MB; fresh demo {file_mb(fresh):.1f} MB")
        year = Store(out, create=False)
        counts = {t: year.scalar(f"SELECT count(*) FROM {t}") for t in
                  ("messages", "acks", "tasks", "stays", "events", "guests", "checklist_items", "handovers")}
        unacked = year.scalar("SELECT count(*) FROM acks WHERE acked_at IS NULL")
        open_tasks = year.scalar("SELECT count(*) FROM tasks WHERE status IN ('new','acknowledged','in_progress',"
                                 "'on_hold','deferred','reopened')")
        year.close()
        print("rows: " + ", ".join(f"{k} {v:,}" for k, v in counts.items())
              + f"; unacked acks {unacked:,}; open tasks {open_tasks:,}")
        first = first_report(out)
        fresh_t = measure(fresh, args.runs)
        same = same_day_copy(out, Path(tmp))
        same_t = measure(same, args.runs)
        year_t = measure(out, args.runs)
        # After the reads: a station writes (its sign-in, its sweeps) into the file it opens — the year-old file's
        # copy, so that the file --reuse keeps is the one built.
        shows = {}
        if args.first_show_runs:
            year_copy = Path(tmp) / "year-shown.db"
            shutil.copyfile(out, year_copy)
            shows = {name: first_shows(path, args.first_show_runs) for name, path in
                     (("fresh", fresh), ("same", same), ("year", year_copy))}
            year_copy.unlink()
        scans = full_scans(out, year_t)
        archived = archive_copy(out, Path(tmp), args.keep_days)
    clock.freeze(None)

    width = max(columns(label) for label in fresh_t)
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"\nreads a station repeats, {args.runs} runs each, clock frozen at {iso(now)} (ms; {os.cpu_count()} CPUs,"
          f" load average {load})")
    print(f"| {'read':<{width}} | fresh demo | same day | year med | year p95 | × same day | × fresh |"
          " rows fresh / same day / year |")
    print(f"|{'-' * (width + 2)}|-----------:|---------:|---------:|---------:|-----------:|--------:|"
          "-----------------------------:|")
    for label, f in fresh_t.items():
        d, y = same_t[label], year_t[label]
        by_day = y.median / d.median if d.median else 0
        by_fresh = y.median / f.median if f.median else 0
        print(f"| {label}{' ' * (width - columns(label))} | {f.median:10.2f} | {d.median:8.2f} | {y.median:8.2f} |"
              f" {y.p95:8.2f} | {by_day:10,.1f} | {by_fresh:7,.{1 if by_fresh < 100 else 0}f} |"
              f" {f.rows:>7,} / {d.rows:>6,} / {y.rows:<7,} |")
    print("\n(— on demand: asked for once — a lookup, a listing, a report —, not re-read by a station on each change;"
          " the goals, each repeated read ≤ 2× and ≤ 20 ms, are for the others. \"same day\": the year-old file"
          " after `butler archive` of all but the last day, its archive deleted: the same day's work without the"
          " history.)")
    if shows:
        print_first_shows(shows, args.first_show_runs)
    print(f"\nthe first report of the year by team, on a file with no days kept yet: {first:.1f} s"
          " (it keeps every day that is over in report_days: the next reports read those)")
    print(f"\n{archived}")
    print(f"\nstatements that scan a history table without an index (year-old file; {len(scans)}):")
    for labels, sql, plan, ms in scans:
        text = re.sub(r"\s+", " ", sql).strip()
        print(f"- {ms:.1f} ms alone, in " + "; ".join(labels))
        if len(text) > 300:  # its head and the outer WHERE (after the last join), where the reason usually is
            where = text.find(" WHERE ", max(text.rfind(" JOIN "), 0))
            text = text[:120] + " … " + text[where + 1:where + 200] + ("…" if len(text) > where + 200 else "")
        print(f"      {text}")
        for line in plan:
            print(f"      {line}")
    if args.stations.strip():
        sys.exit(run_stations(out, args.stations, args.messages))


if __name__ == "__main__":
    main()
