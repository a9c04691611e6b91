"""Formatting shared by the fragments: figures as the prose quotes them, and Markdown tables."""

from __future__ import annotations

DASH = "—"


def number(value) -> str:
    return DASH if value is None else f"{value:,.0f}"


def seconds(value) -> str:
    """Times and altitudes, read as measurements, go without thousands separators."""
    return DASH if value is None else f"{value:.0f}"


def table(header: list[str], rows: list[list[str]]) -> str:
    lines = [header, ["---"] * len(header), *rows]
    return "\n".join("| " + " | ".join(cells) + " |" for cells in lines)


def split(args: list[str]) -> tuple[str, tuple[str, ...]]:
    if not args:
        raise SystemExit("docs/build.py: this fragment needs a scenario")
    return args[0], tuple(args[1:])


def listed(items) -> str:
    items = list(items)
    return ", ".join(items[:-1]) + " and " + items[-1] if len(items) > 1 else "".join(items)


def span(values) -> str:
    """``low-high`` (one figure when they agree) in whole units, as the prose quotes ranges."""
    values = sorted(v for v in values if v is not None)
    if not values:
        raise SystemExit("docs/build.py: a span of no values")
    low, high = number(values[0]), number(values[-1])
    return low if low == high else f"{low}-{high}"


def feasible_threats(rows: list[dict]) -> set[str]:
    return {row["threat_id"] for row in rows if row["feasible"]}
