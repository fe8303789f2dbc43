"""Guest preferences (客史档案): ``guest find | show | note | edit | merge | duplicates``."""

from __future__ import annotations

import click

from butler_tui.cli.common import acting_as, by_pin_option, dash, echo_json, say_changes, use_store
from butler_tui.cli.output import say
from butler_tui.cli.types import ID
from butler_tui.i18n import t as tr


@click.group()
def guest() -> None:
    """Guest preference lookup and notes (客史档案)."""


@guest.command(name="find")
@click.argument("query", nargs=-1, required=True)
@click.option("--station", default=None, help="Station making the lookup (audited).")
@click.option("--staff", "staff_no", default=None, help="Staff no. making the lookup (audited).")
@click.option("--json", "as_json", is_flag=True)
@by_pin_option
@click.pass_context
def guest_find(ctx: click.Context, query: tuple[str, ...], station: str | None, staff_no: str | None,
               as_json: bool, by_pin: str | None) -> None:
    """Find guests by name, pinyin / initials, room, last digits of mobile, member no. or plate."""
    from butler_tui.services import guests

    text = " ".join(query)
    store = use_store(ctx)
    who = acting_as(ctx, store, staff=staff_no, station=station, right="guest", by_pin=by_pin)
    hits = guests.find(store, text)  # contact data stays masked on the command line
    guests.audit_lookup(store, text, len(hits), staff_no=who.staff_no, station=who.station)
    if as_json:
        echo_json([h.to_json() for h in hits])
        return
    if not hits:
        # Not an error, a search that found nothing: exit 1 as grep does, with a plain line (no "butler:").
        say(tr("no guest matches {text!r}", text=text), err=True)
        ctx.exit(1)
    for h in hits:
        vip = f" VIP{h.vip_level}" if h.vip_level else ""
        room = " " + tr("room {room}", room=h.room) if h.room else ""
        say(f"{h.id:>6} {h.label}{vip}{room} · {h.member_no or '-'} · {h.mobile or '-'} · {h.matched}")


@guest.command(name="show")
@click.argument("guest_id", type=ID)
@click.option("--station", default=None)
@click.option("--staff", "staff_no", default=None)
@click.option("--json", "as_json", is_flag=True)
@by_pin_option
@click.pass_context
def guest_show(ctx: click.Context, guest_id: int, station: str | None, staff_no: str | None, as_json: bool,
               by_pin: str | None) -> None:
    """A guest's profile: allergies and dislikes first, notes by kind, newest first."""
    from butler_tui import clock
    from butler_tui.services import guests
    from butler_tui.services.stays import STATUS_LABEL as STAY_STATUS_LABEL

    store = use_store(ctx)
    who = acting_as(ctx, store, staff=staff_no, station=station, right="guest", by_pin=by_pin)
    p = guests.profile(store, guest_id, staff_no=who.staff_no, station=who.station)
    if as_json:
        echo_json(p.to_json())
        return
    if p.merged_into is not None:
        say(tr("{label} — merged into {into}: butler guest show {into}", label=p.label, into=p.merged_into))
    vip = f" VIP{p.vip_level}" if p.vip_level else ""
    say(tr("{label}{vip} {level} · member {member} · mobile {mobile} · butler {butler}", label=p.label, vip=vip,
                  level=p.member_level, member=p.member_no or "-", mobile=p.mobile or "-",
                  butler=p.butler_name or "-"))
    if p.current_stay:
        s = p.current_stay
        say(tr("now: room {room} ({status}) {arrival} → {departure}", room=s["room_number"] or "-",
                      status=tr(STAY_STATUS_LABEL[s["status"]]), arrival=s["arrival_date"],
                      departure=s["departure_date"]))
    say(tr("visits {n}, last {last}, stays on record {stays}", n=p.visit_count, last=p.last_visit or "-",
                  stays=p.stays_recorded))
    if p.found_items:
        from butler_tui.services.found import line

        say(tr("Lost & found 失物招领"))
        for item in p.found_items:
            say("  " + line(item).strip())
    for kind, notes in p.grouped():
        say(("⚠ " if kind in guests.WARN_KINDS else "") + tr(guests.KIND_LABEL[kind]))
        for n in notes:
            say(f"  - {n.text}  ({n.author_name or n.author_no or '-'} @{n.station_code or '-'}"
                       f" {clock.show_local(n.created_at, '%Y-%m-%d')}, {tr('note {id}', id=n.id)})")
    say(tr("language {language} · car {plate} · special dates {dates}", language=p.language,
           plate=p.car_plate or "-", dates=guests.dates_text(p.special_dates) or "-"))


@guest.command(name="note")
@click.argument("guest_id", type=ID)
@click.option("--kind", required=True, help="preference, habit, life_trace, dietary, special_date, dislike, "
                                            "complaint, suggestion")
@click.option("--station", default=None)
@click.option("--staff", "staff_no", default=None)
@click.argument("text", nargs=-1, required=True)
@by_pin_option
@click.pass_context
def guest_note(ctx: click.Context, guest_id: int, kind: str, station: str | None, staff_no: str | None,
               text: tuple[str, ...], by_pin: str | None) -> None:
    """Add a note to a guest's file; prints the note id."""
    from butler_tui.services import guests

    store = use_store(ctx)
    who = acting_as(ctx, store, staff=staff_no, station=station, right="guest", by_pin=by_pin)
    say(guests.add_note(store, guest_id, kind, " ".join(text), staff_no=who.staff_no, station=who.station))


def _shown(value: object) -> str:
    if isinstance(value, list):
        from butler_tui.services.guests import dates_text

        return dates_text(value) or "-"
    return dash(value)


@guest.command(name="edit")
@click.argument("guest_id", type=ID)
@click.option("--vip-level", default=None, help="0–5 (leads and up).")
@click.option("--butler", "butler_no", default=None, help="Staff no. of the dedicated butler ('-' for none).")
@click.option("--language", default=None, help="The guest's language: zh, en, ja, pt-br …")
@click.option("--car-plate", default=None, help="The guest's usual car plate ('-' for none).")
@click.option("--special-dates", default=None,
              help="All special dates: 'birthday=03-12, anniversary=2010-06-01' ('-' for none).")
@click.option("--birthday", default=None, help="MM-DD or YYYY-MM-DD (the other special dates are kept).")
@click.option("--anniversary", default=None, help="MM-DD or YYYY-MM-DD (the other special dates are kept).")
@click.option("--station", default=None)
@click.option("--staff", "staff_no", default=None)
@click.option("--json", "as_json", is_flag=True, help="What changed: {field: {old, new}}.")
@by_pin_option
@click.pass_context
def guest_edit(ctx: click.Context, guest_id: int, vip_level: str | None, butler_no: str | None,
               language: str | None, car_plate: str | None, special_dates: str | None, birthday: str | None,
               anniversary: str | None, station: str | None, staff_no: str | None, as_json: bool,
               by_pin: str | None) -> None:
    """Change a guest's VIP level, dedicated butler, language, car plate or special dates (each change is
    recorded with the old and new value)."""
    from butler_tui.errors import InvalidInput
    from butler_tui.services import guests

    store = use_store(ctx)
    who = acting_as(ctx, store, staff=staff_no, station=station, right="guest", by_pin=by_pin)
    changes: dict[str, object] = {k: v for k, v in (("vip_level", vip_level), ("butler_no", butler_no),
                                                    ("language", language), ("car_plate", car_plate),
                                                    ("special_dates", special_dates)) if v is not None}
    if birthday is not None or anniversary is not None:
        changes["special_dates"] = guests.with_special_dates(
            store, guest_id, special_dates, birthday=birthday, anniversary=anniversary)
    if not changes:
        raise InvalidInput(tr("nothing to change: give --vip-level, --butler, --language, --car-plate or a date"))
    changed = guests.edit_guest(store, guest_id, staff_no=who.staff_no, station=who.station, **changes)
    say_changes(changed, guests.FIELD_LABEL, as_json=as_json, shown_as=_shown)


@guest.command(name="merge")
@click.argument("keep", type=ID)
@click.argument("retire", type=ID)
@click.option("--station", default=None)
@click.option("--staff", "staff_no", default=None)
@click.option("--json", "as_json", is_flag=True, help="The rows moved, by table.")
@by_pin_option
@click.pass_context
def guest_merge(ctx: click.Context, keep: int, retire: int, station: str | None, staff_no: str | None,
                as_json: bool, by_pin: str | None) -> None:
    """Merge guest RETIRE into guest KEEP (leads and up): notes, stays, tasks, messages, lost & found items
    and search keys move to KEEP; RETIRE is kept, marked merged into KEEP (the duty log still names it)."""
    from butler_tui.services import guests

    store = use_store(ctx)
    who = acting_as(ctx, store, staff=staff_no, station=station, right="guest", by_pin=by_pin)
    moved = guests.merge_guests(store, keep, retire, staff_no=who.staff_no, station=who.station)
    if as_json:
        echo_json({"kept": keep, "merged": retire, "moved": moved})
        return
    say(tr("guest {retire} merged into {keep}: {moved}", retire=retire, keep=keep,
           moved=", ".join(f"{k} {n}" for k, n in moved.items() if n)))


@guest.command(name="duplicates")
@click.option("--station", default=None)
@click.option("--staff", "staff_no", default=None)
@click.option("--json", "as_json", is_flag=True)
@by_pin_option
@click.pass_context
def guest_duplicates(ctx: click.Context, station: str | None, staff_no: str | None, as_json: bool,
                     by_pin: str | None) -> None:
    """Records that may be one guest (the same mobile and a similar name): candidates for guest merge."""
    from butler_tui.services import guests

    store = use_store(ctx)
    acting_as(ctx, store, staff=staff_no, station=station, right="guest", by_pin=by_pin)
    found = guests.duplicates(store)
    if as_json:
        echo_json([d.to_json() for d in found])
        return
    if not found:
        say(tr("no duplicates found"))
    for d in found:
        say(f"{d.a:>6} {d.a_name}  ·  {d.b:>6} {d.b_name}  ·  {tr('same mobile')}")


COMMANDS: list[click.Command] = [guest]
