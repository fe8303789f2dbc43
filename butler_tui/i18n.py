"""English and 简体中文 for the station's labels.

The language is chosen once, before the UI is imported: ``butler --lang zh|en``, else
``$BUTLER_LANG``, else the locale (``LC_ALL`` / ``LC_MESSAGES`` / ``LANG`` starting with ``zh``), else
English. Labels are written in English in the code and looked up here; a label without a
translation shows in English. English labels keep the hotel's own Chinese terms where the team uses
them (交班本, 首问责任制).
"""

from __future__ import annotations

import os

LANGUAGES = ("en", "zh")
_language = "en"

ZH: dict[str, str] = {
    # keys (footer and help)
    "Ack": "确认", "Acknowledge": "确认收到", "Add note": "加备注", "All/mine": "全部/本岗", "Approve+send notice":
    "审批并发送通知单", "Arrivals": "抵店", "Arrived": "已抵店", "Back": "返回", "Cancel stay": "取消入住",
    "Cancel": "取消", "Close help": "关闭帮助", "Close": "关闭", "Complete stage": "完成阶段", "Correct entry": "更正记录",
    "Defer": "延后", "Departure plan": "离店安排", "Departures": "离店", "Detail": "详情", "Done": "完成", "Down": "下移",
    "Edit note": "改备注", "Escalate": "升级", "Escalations": "升级队列", "Filter": "筛选", "Follow-up calls": "回访",
    "Guest note": "客人备注", "Guest profile": "客史档案", "Guest": "客人", "Hand on": "转交", "Handover": "交班本",
    "Help": "帮助", "Hold": "暂停", "Home": "首页", "Log entry": "记日志", "Log": "消息记录", "Message": "发消息",
    "Must be acknowledged": "必须确认", "New": "新建", "Next day": "后一天", "Next status": "下一状态", "Next": "下一个",
    "Prev day": "前一天", "Previous": "上一个", "Priority": "优先级", "Read & sign": "阅读并签收", "Reassign": "改派",
    "Reopen": "重开", "Reply": "回复", "Resolve": "解决", "Resume": "继续", "Retire note": "停用备注", "Room": "房间",
    "Rooms/tasks": "房务/任务", "Save": "保存", "Search": "搜索", "Send": "发送", "Sign in to continue": "请先登录",
    "Sign out (lead)": "交班签字", "Sign out": "退出", "Start": "开始", "Switch user": "切换用户", "Take over": "接手",
    "This station/all": "本岗/全部", "Thread": "对话", "Tick": "勾选", "Today": "今天", "Unacked only": "只看未确认",
    "Up": "上移", "VIP notice": "接待通知单", "Verify": "核实", "Quit": "退出程序",
    # screens
    "Messages 消息": "消息", "Arrivals 抵离店": "抵离店", "Stay 入住": "入住", "Rooms & tasks 房务与任务": "房务与任务",
    "Escalation queue 升级队列": "升级队列", "Guest profile 客史档案": "客史档案", "Handover 交班本": "交班本",
    # station bar
    "not signed in": "未登录", "shift": "班次", "unacked": "条未确认", "all acked": "全部已确认",
    "handover unsigned": "交班未签收", "early": "早班", "middle": "中班", "night": "晚班", "overnight": "夜间",
    "to acknowledge": "条待确认",
    # home cards
    "Arrivals to come": "待抵店", "Arrivals today": "今日抵店", "VIP arrivals": "VIP 抵店", "In house": "在住",
    "Departures today": "今日离店", "Open tasks": "未完成任务", "Overdue tasks": "超时任务",
    "Unacked messages": "未确认消息", "today, not yet arrived": "今日尚未抵达", "all of today's": "今日全部",
    "today, VIP 1–5": "今日 VIP 1–5", "stays in the hotel": "在店客人", "due out or gone": "预离或已离",
    "not done yet": "尚未完成", "open, past due": "未完成且超时", "to this station": "发给本岗",
    "Updated": "更新于", "live: changes from any station appear here by themselves": "实时：任何岗位的变动会自动显示",
    # table columns
    "Time": "时间", "From": "发自", "To": "发给", "Acks": "确认", "This station": "本岗",
    "ETA": "预抵", "VIP": "VIP", "Room ready": "房态", "Butler": "管家", "Car / bay": "车牌/车位", "Prep ●": "准备 ●",
    "Status": "状态", "Leaves": "离店", "Wake-up": "叫醒", "Breakfast": "早餐", "Luggage": "行李",
    "Airport car": "送机", "Evening ●": "前一晚 ●", "Check-out ●": "退房 ●", "Call due": "回访期限",
    "Departed": "离店时间", "Task": "任务", "First resp.": "首问责任人", "2nd": "第二责任", "Doing it": "执行人",
    "Due": "期限", "Esc": "升级", "Over by": "超时", "Stage": "阶段", "Item": "事项", "Done by": "完成人",
    "Note": "备注", "Kind": "类别", "By": "记录人", "Station": "岗位", "Date": "日期", "At": "时间", "Who": "记录人",
    "Entry": "内容", "Member no.": "会员号", "Mobile": "手机", "Found by": "匹配", "Guest ": "客人",
    # report
    "Shift": "班次", "Hands over to": "交接给", "Generated": "生成时间", "Overdue": "超时", "Escalated": "已升级",
    "Departures next shift": "下一班离店", "None.": "无。", "Sign-off 签字": "签字", "Outgoing (lead)": "交班人（领班）",
    "Incoming": "接班人",
    "Open tasks 未完成任务": "未完成任务", "Escalations 升级": "升级", "Unacknowledged messages 未确认消息": "未确认消息",
    "Arrivals still expected 待抵店": "待抵店", "VIPs in house 在住 VIP": "在住 VIP",
    "Departures in the next shift 下一班离店": "下一班离店", "Wake-up calls in the next shift 叫醒": "下一班叫醒",
    "Follow-up calls due 回访": "待回访", "Do-not-disturb rooms 请勿打扰": "请勿打扰房",
    "Lost & found logged this shift 失物招领": "本班失物招领", "Duty log 值班日志": "值班日志",
    "Handover 交班本": "交班本", "Whole hotel 全酒店": "全酒店",
    # forms and notices
    "ctrl+s save · esc cancel": "ctrl+s 保存 · esc 取消", "Assign room 分房": "分房", "Room number": "房号",
    "Cancel this stay": "取消本次入住", "Reason": "原因", "Edit note 修改": "修改备注", "Note": "备注",
    "Evening before departure 离店前一晚": "离店前一晚", "Wake-up call (HH:MM) 叫醒": "叫醒时间 (HH:MM)",
    "Breakfast (HH:MM) 早餐": "早餐时间 (HH:MM)", "Luggage out (HH:MM) 行李": "行李时间 (HH:MM)",
    "Departure (HH:MM) 离店": "离店时间 (HH:MM)", "Airport car 送机": "送机", "Guest's opinion 客人意见": "客人意见",
    "VIP reception notice 接待通知单": "接待通知单", "Notice (to the teams)": "通知内容（发给各部门）",
    "Teams (codes)": "部门代码", "A manager approves and sends it with V; each team's stations must acknowledge.":
    "经理按 V 审批并发送；各部门岗位须确认。", "Add a note 添加客史": "添加客史", "Note (up to 1,000 characters)":
    "备注（最多 1000 字）", "Duty log entry 值班日志": "值班日志", "What happened": "发生了什么",
    "High priority? (y/n)": "重要？(y/n)", "Room (optional)": "房号（可选）",
    "New task 新任务 — you are its first responsible person": "新任务 — 您是首问责任人", "Room": "房间",
    "What (short)": "事项（简述）", "Details": "详情", "Priority 1–5 (empty: the type's default)":
    "优先级 1–5（空：按类型默认）", "Hand to department (optional): ENG, SEC, FNB, ROOMS, CS…":
    "转交部门（可选）：ENG、SEC、FNB、ROOMS、CS…", "Until (HH:MM, +30m, +2h)": "延后到 (HH:MM, +30m, +2h)",
    "What was done (optional)": "处理结果（可选）", "Staff no. of who does it now": "改派给（工号）",
    "What was done": "处理结果", "Why it cannot be solved here": "无法解决的原因",
    "Handover read and signed": "交班本已阅读并签收", "Handover signed out; the incoming shift signs next":
    "已交班签字，等待接班签收", "No handover waiting for a signature": "没有待签收的交班本", "Note added": "已添加备注",
    "Note retired": "备注已停用", "Acknowledged": "已确认", "Sent": "已发送",
}


def detect(explicit: str | None = None) -> str:
    for value in (explicit, os.environ.get("BUTLER_LANG")):
        if value:
            return value.lower()[:2]
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var, "")
        if value:
            return "zh" if value.lower().startswith("zh") else "en"
    return "en"


def set_language(lang: str | None) -> str:
    """Choose the language (before the UI is imported: key labels are read when classes are made)."""
    global _language
    chosen = (lang or "en").lower()[:2]
    if chosen not in LANGUAGES:
        from butler_tui.errors import InvalidInput

        raise InvalidInput(f"language {lang!r} is not one of: {', '.join(LANGUAGES)}")
    _language = chosen
    return chosen


def language() -> str:
    return _language


def t(text: str) -> str:
    """The label in the chosen language (English when there is no translation)."""
    if _language == "zh":
        return ZH.get(text, text)
    return text
