"""The hotel's defaults as data: who may do what, the task types and their ladders, the per-stay
checklist. They sit below the store because the migrations that create the tables seed them; the
services read the tables (which a hotel may edit), never these constants directly, except to re-export.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Any

from butler_tui.i18n import N_

if TYPE_CHECKING:
    from butler_tui.models import Ladder, TaskType

# -- permissions: action -> the roles that may take it (the ``permissions`` table) --------------

ACTIONS = {
    "verify_task": "verify a done task",
    "approve_vip_notice": "approve and send a VIP reception notice",
    "resolve_escalation": "resolve an escalated task",
    "take_over_task": "take over or reassign a task",
    "edit_ladders": "edit task types and escalation ladders",
    "see_guest_contact": "see guests' unmasked mobile and ID numbers",
    "manage_staff": "add staff and reset PINs",
    "sign_out_handover": "sign the outgoing handover",
    "verify_preparation_for_others": "verify the preparation of a stay nobody is recorded as booking",
    "close_safety_emergency": "end a safety emergency (mark it done, close, cancel or resolve it)",
    "set_roster": N_("set the duty roster (who is on which shift, the duty manager)"),
    "inspect_room": N_("pass a clean room as inspected (ready for an arrival)"),
    "change_settings": N_("change the hotel's settings (ready rule, night audit hour, time zone)"),
    "dispose_found_item": N_("dispose of a lost & found item kept past its days"),
    "manage_routines": N_("set or remove daily and weekly routines (e.g. 18:00 turndown for VIP rooms)"),
    "archive_history": N_("move closed history to the archive file (butler archive)"),
    "cancel_task": N_("cancel a task somebody else received"),
    "edit_guest_vip": N_("change a guest's VIP level"),
    "merge_guests": N_("merge two records of the same guest"),
    "import_arrivals": N_("import the PMS arrivals export at a station"),
    "see_reports": N_("read the service figures (butler report, the Reports screen)"),
}
DEFAULT_PERMISSIONS: dict[str, tuple[str, ...]] = {
    "verify_task": ("lead", "supervisor", "manager", "director"),
    "approve_vip_notice": ("manager", "director"),
    "resolve_escalation": ("supervisor", "manager", "director"),
    "take_over_task": ("lead", "supervisor", "manager", "director"),
    "edit_ladders": ("director", "admin"),
    "see_guest_contact": ("manager", "director", "admin"),
    "manage_staff": ("admin",),
    "sign_out_handover": ("lead", "supervisor", "manager", "director"),
    "verify_preparation_for_others": ("lead", "supervisor", "manager", "director"),
    # Security (the doing team of the type) ends its own emergencies; the floor never alone (issue 16).
    "close_safety_emergency": ("manager", "director"),
    # Leads and up draw up their shifts' roster (issue 16); an admin loads it when the hotel is set up.
    "set_roster": ("lead", "supervisor", "manager", "director", "admin"),
    # Housekeeping cleans; a supervisor and up passes the room as inspected (issue 17).
    "inspect_room": ("supervisor", "manager", "director"),
    # The hotel's settings are the management's (issue 17); an admin sets them up.
    "change_settings": ("manager", "director", "admin"),
    # Anyone signed in logs, stores and returns a found item; disposing of one is a supervisor's (issue 17).
    "dispose_found_item": ("supervisor", "manager", "director"),
    # Leads and up set their teams' routines (issue 17).
    "manage_routines": ("lead", "supervisor", "manager", "director"),
    # Moving closed history out of the shared file is the management's (issue 15).
    "archive_history": ("manager", "director", "admin"),
    # Leads and up bring the PMS export in from a station's import screen (issue 19).
    "import_arrivals": ("lead", "supervisor", "manager", "director", "admin"),
    # Who received a request may cancel it; anyone else's is for leads and up (issue 18).
    "cancel_task": ("lead", "supervisor", "manager", "director"),
    # Anyone signed in keeps a guest's language, butler, plate and dates; the VIP level (it decides the
    # reception and the amenities) and merging two records are for leads and up (issue 19).
    "edit_guest_vip": ("lead", "supervisor", "manager", "director"),
    "merge_guests": ("lead", "supervisor", "manager", "director"),
    # The service figures are the management's (issue 21).
    "see_reports": ("manager", "director", "admin"),
}


# -- the per-stay checklist (shared/seeds/001 §1C, §3) -------------------------------------------

STAGES: list[tuple[str, str, str]] = [
    ("pre_arrival", "Pre-arrival preparation", "预抵准备"),
    ("arrival", "Arrival", "抵店"),
    ("pre_departure", "Evening before departure", "离店前一晚"),
    ("departure", "Departure", "离店"),
    ("follow_up", "After departure", "离店后"),
]
STAGE_NAMES = {code: (en, zh) for code, en, zh in STAGES}

# (stage, code, English, 中文, mandatory: True / False / "vip" / "car")
TEMPLATE: list[tuple[str, str, str, str, Any]] = [
    ("pre_arrival", "room_assigned", "Room assigned by front-desk lead", "前台领班分配房间", True),
    ("pre_arrival", "file_pulled", "Guest file pulled", "调取客史档案", True),
    ("pre_arrival", "prefs_passed", "Preferences passed to the teams", "客人喜好传递至各部门", True),
    ("pre_arrival", "butler_confirmed", "Dedicated butler (GRO) confirmed", "确认专属管家", True),
    ("pre_arrival", "instructions_done", "Teams carried out the instructions", "各管家落实指令", True),
    ("pre_arrival", "keys_verified", "Room keys verified", "核对房卡", True),
    ("pre_arrival", "vip_passage", "VIP passage arranged", "安排 VIP 通道", "vip"),
    ("pre_arrival", "parking_reserved", "Parking bay reserved", "预留停车位", "car"),
    ("pre_arrival", "welcome_sms", "Welcome SMS sent", "发送欢迎短信", False),
    ("pre_arrival", "prep_verified", "Preparation verified by who booked", "谁预订谁检查", True),
    ("arrival", "checked_in", "Checked in without registration", "免登记入住", True),
    ("arrival", "info_collected", "Guest information collected", "收集客人信息", True),
    ("arrival", "escorted", "Escorted to the room (floor butler at the lift)", "引领入房（楼层管家电梯口迎候）", True),
    ("arrival", "itinerary_confirmed", "Itinerary confirmed: meals, wake-up, luggage, departure", "确认行程", True),
    ("arrival", "butler_sms", "'Your butler is …' SMS sent", "发送专属管家短信", False),
    ("arrival", "vehicle_logged", "Vehicle logged by security", "安保登记车辆信息", "car"),
    ("arrival", "team_told", "Team told the guest has arrived", "通知团队", False),
    ("pre_departure", "opinion_asked", "Guest's opinion asked", "征询客人意见", True),
    ("pre_departure", "plan_recorded", "Wake-up, breakfast, luggage, departure, car recorded",
     "记录叫醒、早餐、行李、离店、送机时间", True),
    ("departure", "bill_prepared", "Bill prepared in advance", "提前准备账单", True),
    ("departure", "checkout_assisted", "Check-out assisted", "协助办理退房", True),
    ("departure", "water_snacks", "Water and snacks for the road", "准备矿泉水和小食", False),
    ("departure", "farewell", "Farewell", "送别客人", True),
    ("departure", "farewell_sms", "Farewell SMS sent", "发送送别短信", False),
    ("follow_up", "file_updated", "Guest file updated (preferences, suggestions)", "完善客史档案", True),
    ("follow_up", "follow_up_call", "Follow-up call within 24 h, recorded", "24 小时内回访并记录", True),
    ("follow_up", "filed_with_cs", "Filed with the guest-service centre for the PMS", "交客服中心录入 PMS", False),
]


def build_items(stay: dict[str, Any], vip_level: int) -> list[dict[str, Any]]:
    """The checklist rows for one stay."""
    items = []
    for position, (stage, code, name, name_zh, rule) in enumerate(TEMPLATE):
        if rule == "vip":
            mandatory = vip_level > 0
        elif rule == "car":
            mandatory = bool(stay.get("car_plate"))
        else:
            mandatory = bool(rule)
        items.append({"stay_id": stay["id"], "stage": stage, "code": code, "name": name, "name_zh": name_zh,
                      "mandatory": int(mandatory), "position": position})
    return items


# -- task types (service orders): default priority, SLA and escalation ladder ---------------------

def _ladder(ack: float, over: float = 0, director: float = 15, *, repeat: float = 15, progress: float | None = 30,
            repeats: int = 3) -> Ladder:
    from butler_tui.models import Ladder, Step

    return Ladder(
        steps=[Step(level=1, when="unacknowledged", after_minutes=ack, notify="supervisor"),
               Step(level=2, when="overdue", after_minutes=over, notify="manager"),
               Step(level=3, when="overdue", after_minutes=over + director, notify="director")],
        repeat_every_minutes=repeat, max_repeats=repeats, no_progress_minutes=progress,
    )


@lru_cache(maxsize=1)
def default_types() -> list[TaskType]:
    """The task types a new hotel starts with (built on first use: pydantic models, and most commands
    never need them — the migrations that seed them and the tests do)."""
    from butler_tui.models import Ladder, Step, TaskType

    return [
        TaskType(code="guest_request", name="Guest request", name_zh="客人需求", priority=2, due_minutes=10,
                 team_code="CS", ladder=_ladder(5, 0, 15, progress=10)),
        TaskType(code="complaint", name="Complaint", name_zh="投诉", priority=2, due_minutes=24 * 60, team_code="CS",
                 ladder=_ladder(5, 0, 60, repeat=60, progress=120)),
        TaskType(code="repair", name="Repair", name_zh="维修", priority=3, due_minutes=8 * 60, team_code="ENG",
                 ladder=_ladder(15, 0, 30, repeat=30, progress=60)),
        TaskType(code="turndown", name="Turndown", name_zh="夜床服务", priority=4, due_minutes=120, team_code="ROOMS",
                 ladder=_ladder(30, 0, 30)),
        TaskType(code="make_up_room", name="Make-up room / light tidy", name_zh="整理房间", priority=4, due_minutes=60,
                 team_code="ROOMS", ladder=_ladder(15, 0, 30)),
        TaskType(code="amenity_delivery", name="Amenity delivery", name_zh="物品递送", priority=3, due_minutes=15,
                 team_code="ROOMS", ladder=_ladder(5, 0, 15, progress=10)),
        TaskType(code="minibar", name="Minibar", name_zh="迷你吧", priority=4, due_minutes=240, team_code="ROOMS",
                 ladder=_ladder(30, 0, 60, repeat=60)),
        TaskType(code="laundry_pickup", name="Laundry pickup", name_zh="收洗衣", priority=4, due_minutes=30,
                 team_code="ROOMS", ladder=_ladder(10, 0, 30)),
        TaskType(code="lost_found", name="Lost & found item", name_zh="失物招领", priority=3, due_minutes=120,
                 team_code="ROOMS", ladder=_ladder(15, 0, 60, repeat=60)),
        TaskType(code="wake_up_call", name="Wake-up call", name_zh="叫醒服务", priority=2, due_minutes=10,
                 team_code="ROOMS", ladder=_ladder(2, 0, 5, progress=5), lead_minutes=10),
        TaskType(code="dnd_check", name="DND check (phone the guest)", name_zh="请勿打扰房检查", priority=3,
                 due_minutes=None, team_code="ROOMS", ladder=_ladder(10, 0, 30)),
        TaskType(code="pre_arrival_prep", name="Pre-arrival room preparation", name_zh="预抵房间准备", priority=3,
                 due_minutes=120, team_code="ROOMS", ladder=_ladder(30, 0, 30)),
        TaskType(code="follow_up_call", name="Follow-up call", name_zh="离店回访", priority=4, due_minutes=24 * 60,
                 team_code="CS", ladder=_ladder(60, 0, 120, repeat=120, progress=None)),
        TaskType(code="safety_emergency", name="Safety emergency", name_zh="安全紧急事件", priority=1, due_minutes=5,
                 team_code="SEC", ladder=Ladder(
                     steps=[Step(level=1, when="unacknowledged", after_minutes=0, notify="supervisor"),
                            Step(level=2, when="unacknowledged", after_minutes=1, notify="manager"),
                            Step(level=3, when="overdue", after_minutes=0, notify="director")],
                     repeat_every_minutes=2, max_repeats=5, no_progress_minutes=5)),
    ]


def __getattr__(name: str) -> Any:
    """``DEFAULT_TYPES``, built when first asked for (see :func:`default_types`)."""
    if name == "DEFAULT_TYPES":
        return default_types()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


DND_CHECK_TIMES = ("12:00", "14:00")
