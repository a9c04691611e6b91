"""Text from users, made safe to print on a terminal.

Paths, scenario keys, names and descriptions come from people and files we do not control. Printed
raw they can drive the terminal (``ESC [2J`` clears the screen, ``ESC ]0;...BEL`` sets the window
title) or, through rich, be taken for markup (``[red]x.png`` printed as ``x.png``, ``d[/]m.png``
crashing with a MarkupError). Everything user-supplied that the ``roof`` command prints goes
through :func:`shown`, and is then printed as rich markup.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence

from rich.cells import cell_len
from rich.console import Console
from rich.markup import escape
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

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


def fitted_table(
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    width: int,
    *,
    text: Collection[str] = (),
    optional: Sequence[str] = (),
    **options,
) -> tuple[Table, list[str]]:
    """A rich table of ``rows`` (markup, one cell per header) that fits ``width`` terminal cells
    without truncating a figure, and the headers it left out to fit.

    rich shrinks a table too wide for the terminal by narrowing columns, and a narrowed figure
    loses its digits to an ellipsis (or to cropping, when rich's own minimums exceed the width).
    Here each column gets a width of its own: no narrower than its longest word, so a figure
    (``54,024,716``, ``120–480``) is never cut; the ``text`` columns (names) may fold a long name
    break after each '/' and, when leaving out the ``optional`` headers (least important first)
    has not made room for them, fold over lines."""
    shown_headers = list(headers)
    while True:
        table = Table(**options)
        columns = [headers.index(h) for h in shown_headers]
        names = [headers[k] in text for k in columns]
        longest = [_widths([headers[k]] + [row[k] for row in rows]) for k in columns]
        # the longest word of a name column, broken after each '/' (see _broken): what it needs not to fold
        broken = [_widths([headers[k]] + [_broken(row[k], 0).replace("\n", " ") for row in rows])[0] for k in columns]
        least = [min(word, _NAME_MIN) if name else word for name, (word, _) in zip(names, longest, strict=True)]
        wanted = [b if name else word for name, b, (word, _) in zip(names, broken, longest, strict=True)]
        for k in columns:
            table.add_column(headers[k], width=1, overflow="fold", justify="left" if headers[k] in text else "right")
        room = width - (Measurement.get(_MEASURE, _MEASURE.options, table).maximum - len(columns))
        dropped = [h for h in headers if h not in shown_headers]
        if sum(wanted) <= room or not (left := [h for h in optional if h in shown_headers]):
            break
        shown_headers.remove(left[0])
    if sum(line for _, line in longest) <= room:
        sizes = [line for _, line in longest]
    elif sum(wanted) <= room:  # the rest shared out among the names, as each would use it
        spare = [line - w if name else 0 for name, w, (_, line) in zip(names, wanted, longest, strict=True)]
        sizes = [w + (room - sum(wanted)) * s // max(sum(spare), 1) for w, s in zip(wanted, spare, strict=True)]
    else:
        spare = [w - m for w, m in zip(wanted, least, strict=True)]
        sizes = [m + (room - sum(least)) * s // max(sum(spare), 1) for m, s in zip(least, spare, strict=True)]
    for column, size in zip(table.columns, sizes, strict=True):
        column.width = max(size, 1)
    for row in rows:
        table.add_row(*(_broken(row[k], size) for k, size in zip(columns, sizes, strict=True)))
    return table, dropped


def _broken(cell: str, width: int) -> str:
    """A name (text without spaces) too long for its column broken after each '/' (``iran-irbm/`` over
    ``tabriz->ankara``) rather than wherever the column ends; other text wraps at its spaces."""
    plain = Text.from_markup(cell).plain
    return cell.replace("/", "/\n") if cell_len(plain) > width and " " not in plain.strip() else cell


#: How narrow a name column may get (a longer name folds over lines).
_NAME_MIN = 8
_MEASURE = Console(width=10_000)


def _widths(cells: Sequence[str]) -> tuple[int, int]:
    """The longest word and the longest line of ``cells`` (rich markup), in terminal cells."""
    plain = [Text.from_markup(cell).plain for cell in cells]
    words = [cell_len(word) for cell in plain for word in cell.split()]
    lines = [cell_len(line) for cell in plain for line in cell.splitlines()]
    return max(words, default=1), max(lines, default=1)
