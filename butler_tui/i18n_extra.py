"""Messages the extraction cannot find where they are written, marked here for the catalogue.

:mod:`butler_tui.i18n_tools` extracts what the code gives to ``t()``, ``said()`` or ``N_()`` as a literal,
forms' titles and labels, and Click's help texts. The messages below are translated too, but reach
``t()`` as a *value* — a label from a table, a status from the database, a word of Textual or Click —
so the extraction would not see them and ``python -m butler_tui.i18n_tools`` would drop them from the
catalogue. Marking them here keeps them in it.

* :data:`TEXTUAL` and :data:`CLICK`: the libraries' own words, which this app puts into 简体中文 (the
  palette, ``?``, ``butler --help``). They stay here; when a library changes its words, the Chinese
  station shows the new ones in English until they are added.
* :data:`OWN`: our own labels. They belong where they are written, as ``N_("…")`` (see
  :func:`butler_tui.i18n.N_`): when that code is next touched, mark them there and take them out of here.

The station never imports this module; only the extraction reads it.
"""

from __future__ import annotations

from butler_tui.i18n import N_

TEXTUAL = (
    # the command palette's system commands
    N_("Theme"), N_("Change the current theme"), N_("Quit the application as soon as possible"), N_("Keys"),
    N_("Hide the keys and widget help panel"),
    N_("Show help for the focused widget and a summary of available keys"), N_("Minimize"),
    N_("Minimize the widget and restore to normal size"), N_("Maximize"), N_("Maximize the focused widget"),
    N_("Screenshot"), N_("Save an SVG 'screenshot' of the current screen"), N_("Bell"), N_("Ring the bell"),
    # the app's own key
    N_("Quit"),
    # widgets' keys, as `?` lists them
    N_("Bottom"), N_("Copy selected text"), N_("Cursor down"), N_("Cursor left"), N_("Cursor right"),
    N_("Cursor up"), N_("Cut selected text"), N_("Delete all to the left"), N_("Delete all to the right"),
    N_("Delete character left"), N_("Delete character right"), N_("Delete left to start of word"),
    N_("Delete right to start of word"), N_("End"), N_("First"), N_("Focus Next"), N_("Focus Previous"),
    N_("Go to end"), N_("Go to start"), N_("Last"), N_("Move cursor left"), N_("Move cursor left a word"),
    N_("Move cursor left a word and select"), N_("Move cursor left and select"), N_("Move cursor right a word"),
    N_("Move cursor right a word and select"), N_("Move cursor right and select"),
    N_("Move cursor right or accept the completion suggestion"), N_("Next tab"), N_("Page Down"), N_("Page Left"),
    N_("Page Right"), N_("Page Up"), N_("Page down"), N_("Page up"), N_("Paste text from the clipboard"),
    N_("Press button"), N_("Previous tab"), N_("Scroll Down"), N_("Scroll End"), N_("Scroll Home"),
    N_("Scroll Left"), N_("Scroll Right"), N_("Scroll Up"), N_("Select"), N_("Select all"), N_("Select line end"),
    N_("Select line start"), N_("Show menu"), N_("Submit"), N_("Top"),
)

CLICK = (
    # usage, errors and prompts
    N_("Usage:"), N_("Options"), N_("Commands"), N_("Show this message and exit."), N_("Show the version and exit."),
    N_("Error: {message}"), N_("Try '{command} {option}' for help."), N_("Missing argument"), N_("Missing option"),
    N_("Missing parameter"), N_("Missing command."), N_("Missing {param_type}"), N_("No such command {name!r}."),
    N_("No such option {name!r}."), N_("Invalid value for {param_hint}: {message}"), N_("Invalid value: {message}"),
    N_("Option {name!r} does not take a value."), N_("Option {name!r} requires an argument."),
    N_("Got unexpected extra argument ({args})"), N_("Got unexpected extra arguments ({args})"),
    N_("Did you mean {possibility}?"), N_("(Did you mean one of: {possibilities}?)"),
    N_("{value!r} is not a valid {number_type}."), N_("{value!r} is not {choice}."),
    N_("{value!r} is not one of {choices}."), N_("{value} is not in the range {range}."),
    N_("{name} {filename!r} does not exist."), N_("{name} {filename!r} is a directory."),
    N_("{name} {filename!r} is a file."), N_("{name} {filename!r} is not readable."),
    N_("{name} {filename!r} is not writable."), N_("Aborted!"), N_("default: {default}"),
    N_("Repeat for confirmation"), N_("Error: The two entered values do not match."),
    N_("%(prog)s, version %(version)s"), N_("required"), N_("file"), N_("directory"), N_("path"), N_("integer"),
    N_("float"),
)

OWN = (
    # the shift a moment falls in, on the station bar and the handover (config.shift_label, models.ShiftName)
    N_("early"), N_("middle"), N_("night"), N_("overnight"),
    # home cards' titles and help (ui/home.py)
    N_("Arrivals to come"), N_("Arrivals today"), N_("VIP arrivals"), N_("In house"), N_("Departures today"),
    N_("Open tasks"), N_("Overdue tasks"), N_("Unacked messages"), N_("today, not yet arrived"),
    N_("all of today's"), N_("today, VIP 1–5"), N_("stays in the hotel"), N_("due out or gone"), N_("not done yet"),
    N_("open, past due"), N_("to this station"),
    # table columns (ui/arrivals, guests, messages, stay, tasks; services/handover)
    N_("Time"), N_("From"), N_("To"), N_("Acks"), N_("This station"), N_("ETA"), N_("VIP"), N_("Room ready"),
    N_("Butler"), N_("Car / bay"), N_("Prep ●"), N_("Status"), N_("Leaves"), N_("Wake-up"), N_("Breakfast"),
    N_("Luggage"), N_("Airport car"), N_("Evening ●"), N_("Check-out ●"), N_("Call due"), N_("Departed"), N_("Task"),
    N_("First resp."), N_("2nd"), N_("Doing it"), N_("Due"), N_("Esc"), N_("Over by"), N_("Stage"), N_("Item"),
    N_("Done by"), N_("Kind"), N_("By"), N_("Station"), N_("Date"), N_("At"), N_("Who"), N_("Entry"),
    N_("Member no."), N_("Mobile"), N_("Found by"),
    # the handover report's headings (services/handover.py)
    N_("Overdue"), N_("Escalated"), N_("Departures next shift"), N_("Outgoing (lead)"), N_("Incoming"),
    N_("Open tasks 未完成任务"), N_("Escalations 升级"), N_("Unacknowledged messages 未确认消息"),
    N_("Arrivals still expected 待抵店"), N_("VIPs in house 在住 VIP"), N_("Departures in the next shift 下一班离店"),
    N_("Wake-up calls in the next shift 叫醒"), N_("Follow-up calls due 回访"), N_("Do-not-disturb rooms 请勿打扰"),
    N_("Lost & found logged this shift 失物招领"), N_("Duty log 值班日志"), N_("Whole hotel 全酒店"),
    N_("No-shows (night audit) 未到客人"), N_("Arrival"), N_("no show"), N_("no_show"),
    # form labels kept in a variable before the form is made (ui/stay, guests, handover)
    N_("Wake-up call (HH:MM) 叫醒"), N_("Breakfast (HH:MM) 早餐"), N_("Luggage out (HH:MM) 行李"),
    N_("Departure (HH:MM) 离店"), N_("Airport car 送机"), N_("Guest's opinion 客人意见"), N_("Add a note 添加客史"),
    N_("Duty log entry 值班日志"),
    # message priorities (models.MessagePriority; ui/alerts, compose, messages)
    N_("EMERGENCY 紧急"), N_("URGENT 加急"), N_("routine 普通"), N_("routine"), N_("urgent"), N_("emergency"),
    # why a station signed its user out (app.py)
    N_("Locked after no activity 无操作自动锁定"), N_("Signed out 已退出"), N_("Switch user 切换用户"),
    # a VIP notice's status (services/vip_notices.py)
    N_("draft"), N_("approved"),
    # the floor board's legend (ui/tasks.py)
    N_("Occupancy V vacant · O occupied · E arriving · D due out   Housekeeping d dirty · c cleaning · C clean · I inspected · X out of order   Mark z DND · ! open task · ‼ overdue"),
    # values shown inside sentences: statuses, roles, actions, reasons, permissions, records, tables, plan fields
    # (services/*, models.py; the handover report writes a status with spaces for underscores)
    N_("new"), N_("acknowledged"), N_("in progress"), N_("on hold"), N_("deferred"), N_("reopened"), N_("verified"),
    N_("closed"), N_("cancelled"), N_("room ready"), N_("arrived"), N_("in house"), N_("due out"), N_("departed"),
    N_("dirty"), N_("cleaning"), N_("clean"), N_("inspected"), N_("out_of_order"), N_("out_of_service"), N_("vacant"), N_("occupied"),
    N_("expected"), N_("due_out"), N_("lead"), N_("supervisor"), N_("manager"), N_("director"), N_("admin"),
    N_("nobody"), N_("ack"), N_("start"), N_("hold"), N_("resume"), N_("defer"), N_("done"), N_("verify"),
    N_("close"), N_("cancel"), N_("reopen"), N_("hand on"), N_("escalate"), N_("take over"), N_("resolve"),
    N_("why the task is on hold"), N_("why the task is cancelled"), N_("why the task is reopened"),
    N_("what the guest said on the follow-up call"), N_("verify a done task"),
    N_("approve and send a VIP reception notice"), N_("resolve an escalated task"),
    N_("take over or reassign a task"), N_("edit task types and escalation ladders"),
    N_("see guests' unmasked mobile and ID numbers"), N_("add staff and reset PINs"),
    N_("sign the outgoing handover"), N_("verify the preparation of a stay nobody is recorded as booking"),
    N_("end a safety emergency (mark it done, close, cancel or resolve it)"),
    N_("station"), N_("team"), N_("staff"), N_("guest"), N_("task"), N_("log entry"), N_("message"), N_("note"),
    N_("stay"), N_("ladder"), N_("stations"), N_("teams"), N_("rooms"), N_("guests"), N_("guest_notes"), N_("stays"),
    N_("tasks"), N_("messages"), N_("acks"), N_("log_entries"), N_("checklist_items"), N_("vip_notices"),
    N_("settings"), N_("task_types"), N_("wakeup time"), N_("breakfast time"), N_("luggage time"),
    N_("departure time"), N_("airport car"), N_("guest feedback"), N_("guest_name"),
    # field names in validation messages (pydantic's locations; models.list_problems)
    N_("text"), N_("body"), N_("room_number"), N_("priority"), N_("code"), N_("team_code"), N_("staff_no"),
    N_("station_code"), N_("from_station"), N_("kind"), N_("mobile"), N_("arrival_date"), N_("departure_date"),
    N_("reservation_no"), N_("vip_level"), N_("party_size"), N_("car_plate"), N_("salutation"), N_("role"),
    N_("title"), N_("name_en"), N_("details"), N_("type"), N_("floor"), N_("number"), N_("eta"), N_("etd"),
    N_("booked_by"), N_("remarks"), N_("member_no"), N_("member_level"), N_("company"), N_("id_no"), N_("language"),
    N_("email"), N_("due_minutes"), N_("steps"), N_("after_minutes"), N_("notify"), N_("when"),
    # `butler doctor`'s labels (cli.py)
    N_("database"), N_("schema version"), N_("journal mode"), N_("integrity"),
    # the task step commands' help, given to Click from a table (cli.py)
    N_("Acknowledge a task (you take it)."), N_("Start working on a task."),
    N_("Put a task on hold (the SLA clock stops)."), N_("Resume a task that was on hold."),
    N_("Defer a task to a later time."), N_("Mark a task done."),
    N_("Verify a done task (lead or above, not the person who did it)."), N_("Close a verified task."),
    N_("Cancel a task."), N_("Reopen a done, verified or closed task (counts a repeat)."),
    # not found in the code today: kept from the hand-written catalogue; remove once nothing shows them
    N_("Guest "), N_("Acknowledged"), N_("Sent"),
)
