"""The station app: open it (run, demo), serve it to browsers, its keys, its screenshots."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from butler_tui.cli.common import opened_store, options, shown_db, use_store
from butler_tui.cli.output import say
from butler_tui.errors import ButlerError
from butler_tui.i18n import t as tr
from butler_tui.store import Store


@click.command()
@click.option("--no-tui", is_flag=True, help="Only load the demo hotel; do not open the app.")
@click.option("--reset", is_flag=True, help="Delete the database file first and load a fresh demo.")
@click.option("--station", default="lobby", show_default=True, help="Station to open.")
@click.option("--staff", "staff_no", default="1002", show_default=True, help="Staff no. to open as.")
@click.pass_context
def demo(ctx: click.Context, no_tui: bool, reset: bool, station: str, staff_no: str) -> None:
    """Load the demo hotel (idempotent) and open the station app."""
    from butler_tui.services.demo import DEMO_PIN, load_demo

    path = options(ctx).db
    if reset and isinstance(path, str):
        raise click.UsageError(tr("--reset deletes a demo file; on a PostgreSQL server drop and create the"
                                  " database instead"))
    if reset:
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
    store = use_store(ctx, create=True, training=True)
    report = load_demo(store)
    if report.total == 0:
        say(tr("demo hotel already loaded in {path}", path=shown_db(path)))
    else:
        parts = ", ".join(f"{n} {tr(table)}" for table, n in report.inserted.items() if n)
        say(tr("loaded demo hotel into {path}: {parts}", path=shown_db(path), parts=parts))
    if no_tui:
        say(tr("demo staff sign in with PIN {pin}", pin=DEMO_PIN))
    else:
        # The demo opens signed in; every demo staff member's PIN is DEMO_PIN (ctrl+u switches user).
        _run_app(store, station, staff_no, ask_pin=False, hint=tr("demo hotel: every PIN is {pin}", pin=DEMO_PIN))


@click.command()
@click.option("--station", default=None, help="Station code, e.g. lobby or floors-high (default: the config file's).")
@click.option("--staff", "staff_no", default=None, help="Staff no. of the person at the station.")
@click.option("--keymap", "keymap_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="TOML file remapping keys by binding id (see `butler keys`).")
# `butler serve` starts each browser session's station with --served: its terminal is the browser's
# (textual-serve's web driver over pipes), so the stdin-is-a-TTY check does not apply.
@click.option("--served", is_flag=True, hidden=True)
@click.pass_context
def run(ctx: click.Context, station: str | None, staff_no: str | None, keymap_file: Path | None, served: bool) -> None:
    """Open the TUI as a station (it asks for staff no. and PIN)."""
    station = station or options(ctx).config.station
    if not station:
        raise click.UsageError(tr("give --station CODE, or keep one: butler config set station CODE"))
    _run_app(use_store(ctx), station, staff_no, keymap_file=keymap_file, served=served)


@click.command()
@click.option("--station", required=True, help="Station the browser sessions open as.")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Listen address. Anything but localhost also needs --allow-remote.")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True)
@click.option("--public-url", default=None, help="The URL the proxy serves it under, if not http://HOST:PORT.")
@click.option("--allow-remote", is_flag=True,
              help="Listen on an address other than localhost (put a TLS proxy in front: see deploy/ in the README).")
@click.pass_context
def serve(ctx: click.Context, station: str, host: str, port: int, public_url: str | None, allow_remote: bool) -> None:
    """Serve the station in a browser with textual-serve (each connection runs its own station app,
    which asks for staff no. and PIN). textual-serve has no authentication or TLS of its own."""
    from butler_tui.cli.serving import make_server
    from butler_tui.i18n import language
    from butler_tui.services.directory import get_station

    with opened_store(ctx) as store:  # closed before serving: the sessions open the file themselves
        code = get_station(store, station).code
        server = store.url
        where = ["--db", str(store.path.resolve())] if server is None else []
    if host not in LOCAL_HOSTS:
        if not allow_remote:
            raise ButlerError(tr("refusing to listen on {host}: a browser station there is plain HTTP; add"
                                 " --allow-remote once a TLS proxy is in front (README: deploy/)", host=host))
        say(tr("warning: listening on {host} without TLS or authentication of its own — reach it only through"
               " a TLS reverse proxy (deploy/nginx-butler.conf, README: Deploying); staff still sign in with"
               " staff no. and PIN", host=host), err=True)
    # Each browser session is a station process of its own: same database, same station, same language. A
    # server's address (a password in it, maybe) reaches the sessions in their environment (textual-serve
    # passes its own on), not on a command line any user's `ps` shows.
    if server is not None:
        os.environ["BUTLER_DB"] = server
    command = [sys.executable, "-m", "butler_tui", *where, "--lang", language(), "run", "--station", code, "--served"]
    make_server(command, host=host, port=port, title=f"butler · {code}", public_url=public_url).serve()


LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


@click.command()
def keys() -> None:
    """Every key binding id, its key and what it does (for a keymap file)."""
    from butler_tui.keymap import all_bindings

    for binding_id, (key, description) in all_bindings().items():
        say(f"{binding_id:<28} {key:<22} {description}")


@click.command()
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("screens"), show_default=True)
def screenshots(out: Path) -> None:
    """Write an SVG of every screen on the demo hotel (120×36, fixed clock): English into OUT, 简体中文 into OUT/zh."""
    from butler_tui.screenshots import capture_languages

    for path in capture_languages(out):
        say(path)


def _run_app(store: Store, station: str, staff_no: str | None, *, ask_pin: bool = True, hint: str = "",
             keymap_file: Path | None = None, served: bool = False) -> None:
    from butler_tui.keymap import find_keymap_file, load_keymap
    from butler_tui.services.directory import get_staff, get_station

    config = options(click.get_current_context()).config
    keymap = load_keymap(find_keymap_file(keymap_file, config.keymap))

    station_info = get_station(store, station)
    staff_info = get_staff(store, staff_no) if staff_no else None
    if not served and not sys.stdin.isatty() and not os.environ.get("BUTLER_FORCE_TUI"):
        raise ButlerError(tr("the station app needs a terminal (stdin is not a TTY); use --no-tui for scripts"))
    from butler_tui.app import ButlerApp

    app = ButlerApp(store.url or store.path, station_info.code, staff_info.staff_no if staff_info else None, ask_pin=ask_pin,
                    sign_in_hint=hint, keymap=keymap)
    app.remember_theme(config.theme)  # the config file's theme; a theme chosen in the palette is kept there
    app.run()


COMMANDS: list[click.Command] = [demo, run, serve, keys, screenshots]
