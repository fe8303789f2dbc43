"""Guest lookup at scale: 100,000 guests with 5 notes each.

    python bench/lookup.py [--guests 100000] [--queries 300]

Builds the database through the same search index the app keeps (pinyin keys for every surname
reading, reversed mobile digits, FTS5 trigram), then times ``guests.find`` — the call behind every
keystroke in the lookup box — for names, pinyin, initials, room numbers and the last digits of a mobile,
and the folded kinds of issue 19: an accented name typed plain, full-width letters, traditional characters
for a name kept simplified and the other way round (a tenth of the guests are kept in traditional
characters, a tenth have accented Latin names). Last, it times migration 0025's work on that file:
the folded keys of every guest whose keys folding changes.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭萧田董潘袁蔡蒋余于杜叶程魏苏吕丁任沈姚卢钟姜崔谭陆范汪廖石金韦贾夏付方邹熊白孟秦邱侯江尹薛闫段雷龙黎史陶贺毛郝顾龚邵万覃武钱戴严莫孔向常汤康易乔赖文曾单解区")
GIVEN = list("伟芳娜秀敏静丽强磊军洋勇艳杰娟涛明超霞平刚桂英华玉兰建国志文斌海波晓红鹏宇浩然子涵梓轩欣怡俊凯雪梅婷雅琳莉")
NOTES = ["喜欢高楼层安静房间", "海鲜过敏", "不喜欢香薰", "早餐在房间用", "生日 3月12日"]
KINDS = ["preference", "dietary", "dislike", "habit", "special_date"]
FIRST = ["José", "Zoë", "Renée", "Björn", "Łukasz", "François", "Søren", "Inês", "Jürgen", "Ana", "Mark", "Chloé"]
LAST = ["García", "Müller", "Dubois", "Ångström", "Nowak", "Lefèvre", "Jørgensen", "Peña", "Schön", "Costa"]


def build(path: Path, count: int, rng: random.Random) -> list[dict]:
    from butler_tui import clock
    from butler_tui.services.demo import load_demo
    from butler_tui.services.guests import search_keys
    from butler_tui.store import Store

    store = Store(path)
    load_demo(store)  # rooms, staff, stations; its 220 guests join the 100,000
    now = clock.now_iso()
    import opencc

    to_traditional = opencc.OpenCC("s2t")
    people = []
    for i in range(count):
        name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))
        if i % 10 == 1:
            name = to_traditional.convert(name)
        elif i % 10 == 2:
            name = f"{rng.choice(FIRST)} {rng.choice(LAST)}{i}"  # unique enough to be looked for
        people.append({"name": name, "salutation": rng.choice(("先生", "女士")), "member_no": f"BM{i:07d}",
                       "mobile": f"1{rng.choice('3456789')}{rng.randint(0, 999_999_999):09d}",
                       "vip_level": rng.choice((0, 0, 0, 1, 2)), "created_at": now, "updated_at": now})
    conn = store.db.conn
    t0 = time.perf_counter()
    with store.write("bench", None) as tx:
        first = conn.execute("SELECT coalesce(max(id), 0) + 1 FROM guests").fetchone()[0]
        cols = list(people[0])
        conn.executemany(f"INSERT INTO guests ({', '.join(cols)}) VALUES ({', '.join('?' for _ in cols)})",
                         [tuple(p[c] for c in cols) for p in people])
        for offset, p in enumerate(people):
            p["id"] = first + offset
        conn.executemany("INSERT INTO guest_search (key, kind, guest_id) VALUES (?, ?, ?)",
                         [(k, kind, p["id"]) for p in people for k, kind in search_keys(p["name"], p["mobile"],
                                                                                         p["member_no"], None)])
        conn.executemany("INSERT INTO guest_notes (guest_id, kind, text, author_no, station_code, created_at)"
                         " VALUES (?, ?, ?, '1002', 'lobby', ?)",
                         [(p["id"], KINDS[j], NOTES[j], now) for p in people for j in range(5)])
        tx.event("bench", None, "guests", after={"count": count})
    print(f"built {count:,} guests, {count * 5:,} notes, search index in {time.perf_counter() - t0:.1f} s",
          file=sys.stderr)
    store.close()
    return people


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--guests", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=300)
    args = parser.parse_args()
    rng = random.Random(7)

    from pypinyin import Style, lazy_pinyin

    from butler_tui.services import guests
    from butler_tui.store import Store

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "lookup.db"
        people = build(path, args.guests, rng)
        store = Store(path)
        rooms = [r["room_number"] for r in store.rows(
            "SELECT room_number FROM stays WHERE status IN ('in_house','due_out') AND room_number IS NOT NULL")]
        sample = rng.sample(people, args.queries)
        chinese = [p for p in people if not p["name"].isascii()]
        import unicodedata

        import opencc

        from butler_tui.search_keys import CJK, fold

        t2s, s2t = opencc.OpenCC("t2s"), opencc.OpenCC("s2t")
        kept_simplified = [p["name"] for p in chinese if CJK.search(p["name"]) and s2t.convert(p["name"]) != p["name"]]
        kept_traditional = [p["name"] for p in chinese if t2s.convert(p["name"]) != p["name"]]
        accented = [p["name"] for p in people if not p["name"].isascii() and not CJK.search(p["name"])]
        wide = str.maketrans({c: chr(ord(c) + 0xFEE0) for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"})
        cases = {
            "full Chinese name (李晓莉)": [p["name"] for p in sample],
            "2-character part of a name (晓莉)": [p["name"][-2:] for p in sample],
            "pinyin (lixiaoli)": ["".join(lazy_pinyin(p["name"])) for p in sample],
            "pinyin initials (lxl)": ["".join(lazy_pinyin(p["name"], style=Style.FIRST_LETTER)) for p in sample],
            "room number (1208)": [rng.choice(rooms) for _ in sample],
            "last 4 digits of mobile": [p["mobile"][-4:] for p in sample],
            "accented name typed plain (jose garcia)": [fold(n).lower() for n in rng.sample(accented, args.queries)],
            "full-width pinyin (ＷＡＮＧＷＥＩ)": ["".join(lazy_pinyin(fold(p["name"]))).upper().translate(wide)
                                             for p in rng.sample(chinese, args.queries)],
            "traditional for a simplified name (張偉)": [s2t.convert(n) for n in rng.sample(kept_simplified,
                                                                                        args.queries)],
            "simplified for a traditional name (张伟)": [t2s.convert(n) for n in rng.sample(kept_traditional,
                                                                                       args.queries)],
        }
        assert all(unicodedata.normalize("NFKC", q) for q in cases["full-width pinyin (ＷＡＮＧＷＥＩ)"])
        print(f"guest lookup: {args.guests:,} guests (+220 demo), {args.guests * 5:,} notes; "
              f"{args.queries} queries per row; the call behind each keystroke")
        print("| query | p50 ms | p99 ms | max ms | mean results |")
        print("|---|---:|---:|---:|---:|")
        for label, queries in cases.items():
            guests.find(store, queries[0])  # warm the page cache once
            times, counts = [], []
            for q in queries:
                t0 = time.perf_counter()
                hits = guests.find(store, q)
                times.append((time.perf_counter() - t0) * 1000)
                counts.append(len(hits))
            times.sort()
            p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
            print(f"| {label} | {statistics.median(times):.2f} | {p99:.2f} | {times[-1]:.2f} |"
                  f" {statistics.mean(counts):.1f} |")
        from butler_tui.search_keys import _name_keys
        from butler_tui.store.schema import fold_search_keys

        _name_keys.cache_clear()  # as in a fresh process that opens the file: no pinyin remembered
        t0 = time.perf_counter()
        with store.write("bench", None) as tx:
            written = fold_search_keys(store.db.conn)
            tx.event("bench", None, "rebuild", after={"keys": written})
        print(f"\nmigration 0025's folded keys: {written:,} keys for {args.guests:,} guests in"
              f" {time.perf_counter() - t0:.1f} s")
        store.close()


if __name__ == "__main__":
    main()
