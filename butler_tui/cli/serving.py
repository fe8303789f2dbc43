"""``butler serve``'s web server: textual-serve with a page of our own.

textual-serve's page asks Google for its font; ours (``web/app_index.html``) takes the Roboto Mono that
textual-serve bundles in its static directory, so the page fetches nothing but from this server, and it
puts the keyboard in the terminal when it loads. textual-serve is the ``[serve]`` extra: without it the
command says how to install it instead of failing on the import.
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from butler_tui.errors import ButlerError
from butler_tui.i18n import t as tr

TEMPLATES = Path(__file__).parent / "web"


def make_server(command: Sequence[str], **kwargs: Any) -> Any:
    """A textual-serve server running ``command`` (argv, quoted here for its shell) per browser connection."""
    try:
        from textual_serve.server import Server
    except ImportError as exc:
        raise ButlerError(tr("butler serve needs textual-serve, which is not installed: pip install"
                             " 'butler-tui[serve]'")) from exc
    return Server(" ".join(shlex.quote(part) for part in command), templates_path=TEMPLATES, **kwargs)
