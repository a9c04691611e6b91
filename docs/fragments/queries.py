"""Queries: a figure of the prose counted or read from the engagements of one run, or of two compared.

``KIND [FIELD] NAME [OPTION...] [vs NAME [OPTION...]] [| FILTER...]``; a filter is ``KEY=GLOB``,
``KEY!=GLOB`` or ``in-range`` on ``roof engage``'s columns (``site``, ``threat``, ``cue``, ``owner``
stand for ``site_id``, ``threat_id``, ``cue_sensor_id``, ``site_owner``; true is ``yes``, none ``none``).
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable

from .runs import engagements
from .text import feasible_threats, listed, number, span, split

ALIASES = {"site": "site_id", "threat": "threat_id", "cue": "cue_sensor_id", "owner": "site_owner"}


def _text(value) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return "none" if value is None else f"{value:g}" if isinstance(value, float) else str(value)


def _matches(row: dict, filters: list[str]) -> bool:
    for condition in filters:
        if condition == "in-range":
            if row["reason"] == "threat-out-of-range":
                return False
            continue
        key, negated, pattern = re.fullmatch(r"([\w-]+)(!?)=(.*)", condition).groups()
        key = ALIASES.get(key, key)
        if key not in row:
            raise SystemExit(f"docs/build.py: no column {key!r} to filter on; known: {', '.join(row)}")
        if fnmatch.fnmatchcase(_text(row[key]), pattern) == bool(negated):
            return False
    return True


def query(args: list[str]) -> tuple[list[tuple[str, tuple[str, ...]]], list[str]]:
    """The runs (one, or two separated by ``vs``) and the filters of a query fragment."""
    runs_part, _, filters = " ".join(args).partition("|")
    return [split(run.split()) for run in runs_part.split(" vs ")], filters.split()


def selected(args: list[str]) -> list[dict]:
    (run, *others), filters = query(args)
    if others:
        raise SystemExit(f"docs/build.py: {' '.join(args)}: one run only")
    return [row for row in engagements(*run) if _matches(row, filters)]


def paired(args: list[str]) -> list[tuple[dict, dict]]:
    """The engagements of the same (threat, site) in both runs, filtered on the first run's row."""
    runs, filters = query(args)
    if len(runs) != 2:
        raise SystemExit(f"docs/build.py: {' '.join(args)}: compare two runs, NAME ... vs NAME ...")
    before = {(row["threat_id"], row["site_id"]): row for row in engagements(*runs[1])}
    return [
        (row, before[key])
        for row in engagements(*runs[0])
        if (key := (row["threat_id"], row["site_id"])) in before and _matches(row, filters)
    ]


def count(args, body) -> str:
    """Engagements matching the filters."""
    return number(len(selected(args)))


def threat_count(args, body) -> str:
    """Distinct threats among the engagements matching the filters."""
    return number(len({row["threat_id"] for row in selected(args)}))


def field_span(args, body) -> str:
    """``FIELD NAME ...``: the range of a column over the engagements matching the filters."""
    return span(row[args[0]] for row in selected(args[1:]))


def field_value(args, body) -> str:
    """``FIELD NAME ... | FILTER``: a column of the one engagement the filters pick."""
    rows = selected(args[1:])
    if len(rows) != 1:
        raise SystemExit(f"docs/build.py: value {' '.join(args)}: {len(rows)} engagements match, not one")
    value = rows[0][args[0]]
    # positions are quoted to a tenth of a degree, everything else in whole units
    return f"{value:.1f}" if args[0].endswith("_deg") else number(value)


def undefended(args, body) -> str:
    """The in-range threats no site of the run engages, as a list of ids."""
    rows = [row for row in engagements(*split(args)) if row["reason"] != "threat-out-of-range"]
    ids = sorted({r["threat_id"] for r in rows} - feasible_threats(rows), key=[r["threat_id"] for r in rows].index)
    return listed(f"`{threat}`" for threat in ids) or "none"


def common(args, body) -> str:
    """Engagements of the same (threat, site) in both runs (filtered on the first)."""
    return number(len(paired(args)))


def _moved(args) -> list[float]:
    field, rest = args[0], args[1:]
    return [b[field] - a[field] for a, b in paired(rest) if a[field] is not None and b[field] is not None]


def earlier(args, body) -> str:
    """``FIELD A vs B``: engagements where FIELD comes sooner in A than in B."""
    return number(sum(d > 0 for d in _moved(args)))


def earlier_by(args, body) -> str:
    """``FIELD A vs B``: by how many seconds those engagements come sooner, as a range."""
    return span(d for d in _moved(args) if d > 0)


def unchanged(args, body) -> str:
    """``FIELD A vs B``: engagements where FIELD is the same in both (and known in both)."""
    return number(sum(d == 0 for d in _moved(args)))


def changed(args, body) -> str:
    """``FIELD A vs B``: engagements feasible in both whose FIELD differs."""
    field, rest = args[0], args[1:]
    return number(sum(a["feasible"] and b["feasible"] and a[field] != b[field] for a, b in paired(rest)))


def least(args, body) -> str:
    """``FIELD NAME ...``: the least value of a column over the engagements matching the filters."""
    return number(min(row[args[0]] for row in selected(args[1:]) if row[args[0]] is not None))


def undefended_count(args, body) -> str:
    rows = [row for row in engagements(*split(args)) if row["reason"] != "threat-out-of-range"]
    return number(len({r["threat_id"] for r in rows} - feasible_threats(rows)))


def gained(args, body) -> str:
    """``A vs B``: engagements feasible in A that are not in B."""
    return number(sum(a["feasible"] and not b["feasible"] for a, b in paired(args)))


def values(args, body) -> str:
    """``FIELD NAME ... | FILTER``: the distinct values of a column over the engagements matching the
    filters, in order of first appearance, as code (a claim such as "every cue is Kürecik's")."""
    found = dict.fromkeys(_text(row[args[0]]) for row in selected(args[1:]))
    return listed(f"`{value}`" for value in found) or "none"


def aims(args, body) -> str:
    """``NAME ... | FILTER``: the aim points of the engagements matching the filters, by their catalog
    names ("Athens"), in order of first appearance."""
    import securityroof as sr

    cities = sr.load_catalog().cities
    found = dict.fromkeys(row["threat_id"].rpartition("->")[2] for row in selected(args))
    return listed(cities[aim].label if aim in cities else aim for aim in found) or "none"


def differ(args, body) -> str:
    """``A vs B``: engagements of the same (threat, site) whose outcome (feasible, or why not) differs."""
    return number(sum((a["feasible"], a["reason"]) != (b["feasible"], b["reason"]) for a, b in paired(args)))


FRAGMENTS: dict[str, Callable[[list[str], str], str]] = {
    "count": count,
    "threat-count": threat_count,
    "span": field_span,
    "value": field_value,
    "undefended": undefended,
    "common": common,
    "earlier": earlier,
    "earlier-by": earlier_by,
    "unchanged": unchanged,
    "changed": changed,
    "least": least,
    "undefended-count": undefended_count,
    "gained": gained,
    "values": values,
    "aims": aims,
    "differ": differ,
}
