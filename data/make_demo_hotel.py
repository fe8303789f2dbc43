"""Generate data/demo-hotel.json: the demo hotel, deterministic (fixed seed).

Run:  python data/make_demo_hotel.py
Days and times are relative (day 0 = the day the demo is loaded) so the demo always has
today's and tomorrow's arrivals. The butler team is the one of the Lidu International Hotel
service design (shared/seeds/001); guests are invented.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

rng = random.Random(20151124)
OUT = Path(__file__).with_name("demo-hotel.json")

HOTEL = {"name": "Lidu International Hotel", "name_zh": "丽都国际酒店", "butler_brand": "Royal-Gold Butler 皇金管家"}

TEAMS = [
    ("LOBBY", "Lobby butlers", "大堂管家"),
    ("ROOMS", "Rooms / floor butlers", "房务管家"),
    ("CONF", "Conference butlers", "会议管家"),
    ("FNB", "F&B butlers", "餐饮管家"),
    ("CS", "Guest-service centre", "客服管家"),
    ("ACCT", "Guest accounts", "客户账务管家"),
    ("SEC", "Security butlers", "安保管家"),
    ("FO", "Front office", "前台"),
    ("ENG", "Engineering", "工程部"),
]

STATIONS = [
    ("lobby", "Lobby / GRO desk", "大堂管家台", "LOBBY", []),
    ("fo", "Front desk", "前台", "FO", []),
    ("floors-low", "Floors 3–6", "3–6楼楼层", "ROOMS", [3, 4, 5, 6]),
    ("floors-mid", "Floors 7–10", "7–10楼楼层", "ROOMS", [7, 8, 9, 10]),
    ("floors-high", "Floors 11–14 (club)", "11–14楼行政楼层", "ROOMS", [11, 12, 13, 14]),
    ("fnb", "F&B butler desk", "餐饮管家台", "FNB", []),
    ("conf", "Conference centre", "会议中心", "CONF", []),
    ("cs", "Guest-service centre", "客服中心", "CS", []),
    ("security", "Security control room", "安保监控室", "SEC", []),
    ("acct", "Guest accounts", "客户账务", "ACCT", []),
    ("eng", "Engineering desk", "工程值班台", "ENG", []),
]

# staff_no, name, latin name, team, role, title, registered butler
STAFF = [
    ("0001", "林国栋", "Lin Guodong", "FO", "director", "总经理 General manager", False),
    ("0002", "郑海涛", "Zheng Haitao", "ROOMS", "director", "房务总监 Director of rooms", False),
    ("0003", "吴明远", "Wu Mingyuan", "ROOMS", "manager", "房务部经理 Rooms division manager", False),
    ("0004", "周文华", "Zhou Wenhua", "LOBBY", "manager", "大管家 Chief butler", True),
    ("0009", "张伟", "Zhang Wei", "FO", "admin", "系统管理员 System admin", False),
    ("1001", "方俭俭", "Fang Jianjian", "LOBBY", "lead", "大堂管家领班 Lobby butler lead", True),
    ("1002", "李晓莉", "Li Xiaoli", "LOBBY", "butler", "大堂管家 GRO", True),
    ("1003", "李菲菲", "Li Feifei", "LOBBY", "butler", "大堂管家 GRO", False),
    ("1004", "高强", "Gao Qiang", "LOBBY", "butler", "礼宾 Concierge", False),
    ("2001", "李云敏", "Li Yunmin", "ROOMS", "lead", "房务管家领班 Floor butler lead", True),
    ("2002", "苏青青", "Su Qingqing", "ROOMS", "butler", "楼层管家 Floor butler", False),
    ("2003", "胡亚茹", "Hu Yaru", "ROOMS", "butler", "楼层管家 Floor butler", False),
    ("2004", "席晓利", "Xi Xiaoli", "ROOMS", "butler", "楼层管家 Floor butler", False),
    ("2005", "何丽娟", "He Lijuan", "ROOMS", "supervisor", "楼层主管 Floor supervisor", False),
    ("3001", "刘晓伊", "Liu Xiaoyi", "CONF", "lead", "会议管家领班 Conference lead", False),
    ("3002", "赵梦雅", "Zhao Mengya", "CONF", "butler", "会议管家 Conference butler", False),
    ("3003", "程俊晓", "Cheng Junxiao", "CONF", "butler", "会议管家 Conference butler", False),
    ("4001", "宋雅婷", "Song Yating", "FNB", "lead", "餐饮管家领班 F&B butler lead", True),
    ("4002", "靳娟娟", "Jin Juanjuan", "FNB", "butler", "餐饮管家 F&B butler", False),
    ("4003", "候福利", "Hou Fuli", "FNB", "butler", "餐饮管家 F&B butler", False),
    ("4004", "马丽丽", "Ma Lili", "FNB", "butler", "餐饮管家 F&B butler", False),
    ("4005", "张静静", "Zhang Jingjing", "FNB", "butler", "餐饮管家 F&B butler", False),
    ("5001", "范志伟", "Fan Zhiwei", "CS", "lead", "客服管家领班 Guest-service lead", False),
    ("5002", "李伟香", "Li Weixiang", "CS", "butler", "客服管家 Guest-service butler", False),
    ("5003", "郭笑颜", "Guo Xiaoyan", "CS", "butler", "客服管家 Guest-service butler", False),
    ("5004", "任盈盈", "Ren Yingying", "CS", "butler", "客服管家 Guest-service butler", False),
    ("5005", "任健东", "Ren Jiandong", "CS", "butler", "客服管家 Guest-service butler", False),
    ("5006", "凌冰倩", "Ling Bingqian", "CS", "butler", "客服管家 Guest-service butler", False),
    ("6001", "李冰洁", "Li Bingjie", "ACCT", "butler", "客户账务管家 Guest accounts butler", False),
    ("7001", "秦治国", "Qin Zhiguo", "SEC", "lead", "安保管家领班 Security lead", False),
    ("7002", "王建军", "Wang Jianjun", "SEC", "supervisor", "当班安保主管 On-shift security supervisor", False),
    ("7003", "陈立新", "Chen Lixin", "SEC", "supervisor", "当班安保主管 On-shift security supervisor", False),
    ("7009", "冯振华", "Feng Zhenhua", "SEC", "manager", "安保部经理 Security manager", False),
    ("8001", "孙丽华", "Sun Lihua", "FO", "lead", "前台领班 Front-desk lead", False),
    ("8002", "何静", "He Jing", "FO", "butler", "预订管家 Reservations butler", False),
    ("8003", "杨帆", "Yang Fan", "FO", "butler", "前台接待 Receptionist", False),
    ("9001", "刘建国", "Liu Jianguo", "ENG", "lead", "工程值班 Duty engineer", False),
]

FIRST_FLOOR, LAST_FLOOR, ROOMS_PER_FLOOR = 3, 14, 25


def room_type(floor: int, idx: int) -> str:
    if floor == 14 and idx == 1:
        return "Presidential Suite"
    if floor >= 13:
        return "Club Suite" if idx in (1, 2, 25) else ("Club King" if idx % 2 else "Club Twin")
    if floor >= 9:
        return "Executive Suite" if idx in (1, 25) else ("Executive King" if idx % 2 else "Executive Twin")
    return "Deluxe Suite" if idx == 1 else ("Deluxe King" if idx % 2 else "Deluxe Twin")


ROOMS = [
    {"number": f"{floor}{idx:02d}", "floor": floor, "type": room_type(floor, idx)}
    for floor in range(FIRST_FLOOR, LAST_FLOOR + 1)
    for idx in range(1, ROOMS_PER_FLOOR + 1)
]

SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭萧田董潘袁蔡蒋余于杜叶程魏苏吕丁任沈姚卢钟姜崔谭陆范汪廖石金韦贾夏付方邹熊白孟秦邱侯江尹薛闫段雷龙黎史陶贺毛郝顾龚邵万覃武钱戴严莫孔向常汤康易乔赖文")
HETERONYM_SURNAMES = ["曾", "单", "解", "区", "查", "仇"]
GIVEN = list("伟芳娜秀敏静丽强磊军洋勇艳杰娟涛明超霞平刚桂英华玉兰建国志文斌海波晓红鹏宇浩然子涵梓轩欣怡俊凯雪梅婷雅琳")
LATIN_GUESTS = [
    ("Mr", "John Smith", "en"), ("Ms", "Anna Müller", "de"), ("Mr", "Kenji Tanaka", "ja"),
    ("Mrs", "Olivia Brown", "en"), ("Mr", "Pierre Dubois", "fr"), ("Dr", "Rahul Mehta", "en"),
    ("Ms", "Sofia Rossi", "it"), ("Mr", "David Kim", "ko"), ("Mr", "Lars Johansson", "sv"),
    ("Ms", "Emily Chen", "en"), ("Mr", "Carlos García", "es"), ("Mr", "James O'Connor", "en"),
    ("Ms", "Yuki Sato", "ja"), ("Mr", "Michael Wong", "en"), ("Ms", "Hannah Schmidt", "de"),
]
COMPANIES = ["中信集团", "华为技术", "中国石化", "招商银行", "万科地产", "腾讯科技", "中国移动", "国家电网",
             "北京大学", "协和医院", "中粮集团", "联想集团", "首都航空", "", "", "", ""]
LATIN_COMPANIES = ["Siemens AG", "Deloitte", "Toyota Tsusho", "HSBC", "Nestlé", "Boeing China", ""]
MEMBER_LEVELS = ["", "普通卡 Classic", "银卡 Silver", "金卡 Gold", "白金卡 Platinum", "钻石卡 Diamond"]
PROVINCES = "京京京京沪粤浙苏川鲁冀津"

NOTES_ZH = {
    "preference": ["喜欢高楼层安静房间", "偏好朝南房间", "枕头要荞麦枕", "房间温度调到24度", "喜欢喝龙井茶",
                   "早餐要鲜榨橙汁", "需要加湿器", "欢迎水果要应季水果", "浴室加一套浴袍", "需要英文报纸",
                   "喜欢远离电梯的房间", "咖啡要黑咖啡不加糖"],
    "habit": ["早上6点起床晨跑，需要运动毛巾", "晚睡，中午前勿打扰", "夜床服务请在晚上8点后",
              "早餐习惯在房间用", "睡前需要一杯热牛奶", "习惯用热水泡脚，备足浴盆"],
    "life_trace": ["床头放着降压药，提醒按时服用", "书桌上常摆孩子照片，整理时请归位", "常用左侧床头灯看书",
                   "自带洗漱用品，不用酒店的", "西装需要每天熨烫", "喜欢窗帘留一条缝"],
    "dietary": ["海鲜过敏", "花生过敏（严重，随身带肾上腺素笔）", "素食", "不吃辣", "清真饮食", "乳糖不耐受",
                "忌口牛肉", "糖尿病，甜品少糖"],
    "special_date": ["生日 3月12日", "结婚纪念日 10月1日", "夫人生日 6月18日", "生日 11月25日"],
    "dislike": ["不喜欢香薰", "不喜欢房间摆鲜花（花粉过敏）", "不喜欢被敲门打扰", "不喜欢羽绒枕",
                "不喜欢靠近电梯的房间"],
    "complaint": ["上次入住空调噪音投诉，已换房并致歉", "上次早餐等候时间较长", "洗衣延迟送回，已免单"],
    "suggestion": ["建议增加儿童洗漱用品", "希望行政酒廊延长开放时间"],
}
NOTES_EN = {
    "preference": ["High floor, quiet room", "Extra firm pillow", "Room at 22 °C", "English breakfast tea",
                   "Sparkling water in the room", "Late checkout when possible"],
    "habit": ["Runs at 06:00, needs a gym towel", "Turndown after 21:00 please", "Breakfast in room at 07:30"],
    "life_trace": ["Keeps medication by the bed", "Laptop on the desk — do not move cables"],
    "dietary": ["Shellfish allergy", "Severe peanut allergy (carries EpiPen)", "Vegetarian", "Gluten-free"],
    "special_date": ["Birthday 12 March", "Wedding anniversary 1 October"],
    "dislike": ["No scented amenities", "No flowers in the room (hay fever)"],
    "complaint": ["Last stay: noisy air conditioning, room changed"],
    "suggestion": ["Would like a yoga mat in the room"],
}
NOTE_AUTHORS = [("1002", "lobby"), ("2002", "floors-high"), ("2003", "floors-mid"), ("4002", "fnb"),
                ("5002", "cs"), ("5004", "cs"), ("1001", "lobby")]
BUTLERS = ["1001", "1002", "1003", "0004"]
BOOKERS = ["8002", "8001", "1001", "1002", "5001"]


def mobile() -> str:
    return f"1{rng.choice('3456789')}{rng.randint(0, 9)}{rng.randint(0, 99999999):08d}"


def plate() -> str:
    chars = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"
    return rng.choice(PROVINCES) + rng.choice("ABCDEFG") + "".join(rng.choice(chars) for _ in range(5))


def make_guests(count: int) -> list[dict]:
    guests: list[dict] = []
    used: set[str] = set()
    latin = list(LATIN_GUESTS)
    specials = [("李晓莉", "女士"), ("曾国藩", "先生"), ("单雄信", "先生"), ("解缙", "先生"), ("区志强", "先生")]
    for i in range(count):
        if specials:
            name, salutation = specials.pop(0)
            language = "zh"
        elif latin and i % 13 == 0:
            salutation, name, language = latin.pop(0)
        else:
            while True:
                surname = rng.choice(HETERONYM_SURNAMES) if rng.random() < 0.05 else rng.choice(SURNAMES)
                given = "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))
                name = surname + given
                if name not in used:
                    break
            salutation = rng.choice(("先生", "女士"))
            language = "zh"
        used.add(name)
        vip = rng.choices(range(6), weights=(58, 16, 10, 8, 6, 2))[0]
        zh = language == "zh"
        guest = {
            "member_no": f"LD{100001 + i}",
            "name": name,
            "salutation": salutation,
            "mobile": mobile() if zh else f"+{rng.choice(('44', '49', '81', '1', '33'))}{rng.randint(10**8, 10**9 - 1)}",
            "id_no": f"110105{rng.randint(1950, 2000)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}{rng.randint(0, 9999):04d}" if zh else f"P{rng.randint(10**7, 10**8 - 1)}",
            "vip_level": vip,
            "member_level": MEMBER_LEVELS[min(vip, 5)] if vip or rng.random() < 0.4 else "",
            "company": rng.choice(COMPANIES if zh else LATIN_COMPANIES),
            "language": language,
            "butler_no": rng.choice(BUTLERS) if vip >= 2 else None,
            "car_plate": plate() if zh and rng.random() < 0.4 else None,
            "wechat": f"wx_{rng.randint(100000, 999999)}" if zh and rng.random() < 0.5 else None,
            "visit_count": rng.randint(0, 30) if vip else rng.randint(0, 6),
            "notes": [],
        }
        guest["last_visit_days_ago"] = rng.randint(20, 900) if guest["visit_count"] else None
        pool = NOTES_ZH if zh else NOTES_EN
        kinds = list(pool)
        n_notes = rng.choices(range(9), weights=(6, 8, 12, 16, 18, 16, 12, 7, 5))[0] + (2 if vip >= 3 else 0)
        for _ in range(n_notes):
            kind = rng.choices(kinds, weights=(30, 18, 14, 12, 8, 8, 5, 5))[0]
            text = rng.choice(pool[kind])
            if any(n["text"] == text for n in guest["notes"]):
                continue
            author, station = rng.choice(NOTE_AUTHORS)
            guest["notes"].append({"kind": kind, "text": text, "author_no": author, "station_code": station,
                                   "days_ago": rng.randint(1, 700)})
        guests.append(guest)
    return guests


def hhmm(lo: int, hi: int) -> str:
    minutes = rng.randrange(lo * 60, hi * 60, 15)
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def main() -> None:
    guests = make_guests(220)
    rooms = [r["number"] for r in ROOMS]
    rng.shuffle(rooms)
    free = list(rooms)
    ooo = {free.pop() for _ in range(4)}
    stays: list[dict] = []
    guest_iter = iter(guests)
    seq = iter(range(1, 10_000))

    def stay(status: str, arrival: int, departure: int, room: str | None, *, eta: str | None = None,
             etd: str | None = None) -> dict:
        guest = next(guest_iter)
        vip = guest["vip_level"]
        record = {
            "reservation_no": f"R{261100 + next(seq)}",
            "member_no": guest["member_no"],
            "room_number": room,
            "room_type": next((r["type"] for r in ROOMS if r["number"] == room), "Deluxe King") if room else rng.choice(("Deluxe King", "Deluxe Twin", "Executive King")),
            "arrival_day": arrival,
            "departure_day": departure,
            "eta": eta,
            "etd": etd,
            "party_size": rng.choice((1, 1, 1, 2, 2, 3)),
            "car_plate": guest["car_plate"] if guest["car_plate"] and rng.random() < 0.7 else None,
            "parking_bay": None,
            "butler_no": guest["butler_no"],
            "booked_by": rng.choice(BOOKERS),
            "status": status,
            "remarks": "",
        }
        if record["car_plate"] and vip >= 2:
            record["parking_bay"] = f"B1-{rng.randint(1, 40):02d}"
        return record

    # In house: arrived up to 4 days ago, leaving tomorrow or later.
    for _ in range(130):
        stays.append(stay("in_house", -rng.randint(0, 4), rng.randint(1, 4), free.pop(), eta=hhmm(11, 22)))
    # Due out today.
    for _ in range(22):
        stays.append(stay("due_out", -rng.randint(1, 5), 0, free.pop(), etd=hhmm(7, 14)))
    # Arrivals today: most have a room assigned; some rooms are ready.
    for i in range(26):
        room = free.pop() if i < 20 else None
        status = "room_ready" if room and rng.random() < 0.4 else "expected"
        stays.append(stay(status, 0, rng.randint(1, 5), room, eta=hhmm(9, 23)))
    # Arrivals tomorrow.
    for _ in range(20):
        stays.append(stay("expected", 1, rng.randint(2, 6), None, eta=hhmm(9, 23)))
    # Departed yesterday: follow-up calls due within 24 h.
    for i in range(12):  # two left the day before yesterday: their follow-up call is overdue
        stays.append(stay("departed", -rng.randint(3, 5), -2 if i < 2 else -1, rng.choice(rooms), etd=hhmm(7, 13)))
    for s in stays:
        if s["remarks"] == "" and rng.random() < 0.15:
            s["remarks"] = rng.choice(["蜜月，房间布置玫瑰花瓣", "商务出行，需要早餐打包", "携带婴儿，需婴儿床",
                                       "接机：首都机场T3", "生日入住，准备蛋糕", "行动不便，需轮椅"])

    occupancy: dict[str, str] = {}
    for s in stays:
        if s["room_number"] and s["status"] in ("in_house",):
            occupancy[s["room_number"]] = "occupied"
        elif s["room_number"] and s["status"] == "due_out":
            occupancy[s["room_number"]] = "due_out"
        elif s["room_number"] and s["status"] in ("expected", "room_ready"):
            occupancy[s["room_number"]] = "expected"
    ready = {s["room_number"] for s in stays if s["status"] == "room_ready"}
    for room in ROOMS:
        number = room["number"]
        occ = occupancy.get(number, "vacant")
        room["occupancy"] = occ
        if number in ooo:
            room["hk_status"] = "out_of_order"
        elif occ == "occupied":
            room["hk_status"] = rng.choices(("clean", "dirty", "cleaning"), weights=(6, 3, 1))[0]
        elif occ == "due_out":
            room["hk_status"] = "dirty"
        elif occ == "expected":
            room["hk_status"] = "inspected" if number in ready else rng.choice(("dirty", "cleaning", "clean"))
        else:
            room["hk_status"] = rng.choices(("inspected", "clean", "dirty"), weights=(6, 3, 1))[0]
        room["dnd"] = occ == "occupied" and rng.random() < 0.06
        if room["dnd"]:
            room["dnd_since"] = hhmm(7, 10)

    def room_of(status: str) -> str:
        return rng.choice([s["room_number"] for s in stays if s["status"] == status and s["room_number"]])

    tasks = [
        {"type": "guest_request", "name": "加床 Extra bed", "room_number": room_of("in_house"), "priority": 2,
         "status": "new", "owner_no": "1002", "owner_team": "LOBBY", "station_code": "lobby",
         "created_minutes_ago": 4, "due_in_minutes": 6},
        {"type": "amenity_delivery", "name": "送两瓶矿泉水和水果 Water and fruit", "room_number": room_of("in_house"),
         "priority": 3, "status": "acknowledged", "owner_no": "5002", "owner_team": "CS", "second_team": "ROOMS",
         "station_code": "cs", "created_minutes_ago": 12, "due_in_minutes": -2},
        {"type": "repair", "name": "空调不制冷 A/C not cooling", "room_number": room_of("in_house"), "priority": 2,
         "status": "in_progress", "owner_no": "2003", "owner_team": "ROOMS", "second_team": "ENG",
         "station_code": "floors-mid", "created_minutes_ago": 95, "due_in_minutes": 385},
        {"type": "pre_arrival_prep", "name": "VIP 房间布置 VIP room set-up", "room_number": room_of("expected"),
         "priority": 2, "status": "in_progress", "owner_no": "2001", "owner_team": "ROOMS",
         "station_code": "floors-high", "created_minutes_ago": 60, "due_in_minutes": 90},
        {"type": "lost_found", "name": "拾到手表一块 Watch found", "room_number": room_of("due_out"), "priority": 3,
         "status": "new", "owner_no": "2002", "owner_team": "ROOMS", "station_code": "floors-low",
         "created_minutes_ago": 30, "due_in_minutes": 90},
        {"type": "complaint", "name": "投诉：隔壁噪音 Noise complaint", "room_number": room_of("in_house"),
         "priority": 2, "status": "acknowledged", "owner_no": "5003", "owner_team": "CS", "second_team": "SEC",
         "station_code": "cs", "created_minutes_ago": 40, "due_in_minutes": 1400},
        {"type": "laundry_pickup", "name": "收洗衣 Laundry pickup", "room_number": room_of("in_house"), "priority": 4,
         "status": "new", "owner_no": "2004", "owner_team": "ROOMS", "station_code": "floors-high",
         "created_minutes_ago": 8, "due_in_minutes": 22},
    ]
    messages = [
        {"from_station": "lobby", "from_staff": "1001", "audience_kind": "all", "audience": [], "priority": "urgent",
         "body": "VIP 车队 15 分钟后到达正门，请各岗位就位 — VIP motorcade at main door in 15 min",
         "created_minutes_ago": 3},
        {"from_station": "cs", "from_staff": "5001", "audience_kind": "stations", "audience": ["floors-mid", "eng"],
         "priority": "routine", "body": "客人反映空调不制冷，工程已派人 — guest reports A/C not cooling, engineer on the way",
         "created_minutes_ago": 20},
        {"from_station": "security", "from_staff": "7002", "audience_kind": "team", "audience": ["LOBBY"],
         "priority": "routine", "body": "B1 停车场 VIP 车位已预留 — VIP bays in B1 reserved", "created_minutes_ago": 45,
         "acked_by": {"lobby": "1002"}},
    ]
    data = {
        "format": "butler-tui demo hotel v1",
        "hotel": HOTEL,
        "teams": [{"code": c, "name": n, "name_zh": z} for c, n, z in TEAMS],
        "stations": [{"code": c, "name": n, "name_zh": z, "team_code": t, "floors": f} for c, n, z, t, f in STATIONS],
        "staff": [{"staff_no": no, "name": name, "name_en": en, "team_code": team, "role": role, "title": title,
                   "registered_butler": reg} for no, name, en, team, role, title, reg in STAFF],
        "rooms": ROOMS,
        "guests": guests,
        "stays": stays,
        "tasks": tasks,
        "messages": sorted(messages, key=lambda m: -m["created_minutes_ago"]),  # ids follow time
    }
    write_sample_pms(guests)
    OUT.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {OUT}: {len(ROOMS)} rooms, {len(guests)} guests, "
          f"{sum(len(g['notes']) for g in guests)} notes, {len(stays)} stays, {len(tasks)} tasks")


PMS_COLUMNS = ["reservation_no", "guest_name", "salutation", "member_no", "mobile", "vip_level", "arrival_date",
               "eta", "departure_date", "room_type", "room_number", "party_size", "car_plate", "booked_by", "remarks"]


def write_sample_pms(guests: list[dict]) -> None:
    """data/sample-pms-arrivals.csv: what the PMS (泰能) arrivals export looks like, UTF-8 with BOM."""
    import csv

    out = Path(__file__).with_name("sample-pms-arrivals.csv")
    rows = []
    for i, guest in enumerate(guests[-14:]):
        rows.append({
            "reservation_no": f"P{20261125001 + i}", "guest_name": guest["name"], "salutation": guest["salutation"],
            "member_no": guest["member_no"], "mobile": guest["mobile"], "vip_level": guest["vip_level"],
            "arrival_date": "2026-11-25", "eta": hhmm(10, 22), "departure_date": f"2026-11-{rng.randint(26, 29)}",
            "room_type": rng.choice(("Deluxe King", "Deluxe Twin", "Executive King", "Club King")),
            "room_number": "" if i % 3 else f"{rng.randint(3, 12)}{rng.randint(1, 25):02d}",
            "party_size": rng.choice((1, 1, 2)), "car_plate": guest["car_plate"] or "",
            "booked_by": rng.choice(BOOKERS), "remarks": rng.choice(["", "", "接机 T3", "无烟房", "Late arrival"]),
        })
    rows.append({"reservation_no": "P20261125099", "guest_name": "Walk-in Guest", "salutation": "Mr", "member_no": "",
                 "mobile": "", "vip_level": 0, "arrival_date": "2026-11-25", "eta": "", "departure_date": "2026-11-26",
                 "room_type": "Deluxe King", "room_number": "", "party_size": 1, "car_plate": "", "booked_by": "8003",
                 "remarks": ""})
    with out.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=PMS_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    print(f"wrote {out}: {len(rows)} arrivals")


if __name__ == "__main__":
    main()
