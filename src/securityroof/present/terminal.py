"""Text from users, made safe to print on a terminal.

Paths, scenario keys, names and descriptions come from people and files we do not control. Printed
raw they can drive the terminal (``ESC [2J`` clears the screen, ``ESC ]0;...BEL`` sets the window
title) or, through rich, be taken for markup (``[red]x.png`` printed as ``x.png``, ``d[/]m.png``
crashing with a MarkupError). Everything user-supplied that the ``roof`` command prints goes
through :func:`shown`, and is then printed as rich markup.
"""

from __future__ import annotations

import re

from rich.markup import escape

# C0 controls (tab and newline included: a newline in a name could forge a line of output), DEL,
# C1 controls (U+009B is a one-character CSI on some terminals), the bidirectional embeddings,
# overrides and isolates, which reorder what follows them on screen, and surrogates: a path that is
# not UTF-8 reaches Python with each bad byte as a lone surrogate (U+DC80-U+DCFF), which would go
# to the terminal as that raw byte
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group())
    if 0xDC80 <= code <= 0xDCFF:  # the byte the file name holds
        code -= 0xDC00
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def shown(value: object) -> str:
    """``value`` as text for rich markup that prints exactly as given: control characters as
    visible escapes (``\\x1b``) and square brackets escaped, so nothing in it is a style or a
    terminal command."""
    return escape(_CONTROL.sub(_visible, str(value)))
