"""Holding findings to the comparison they describe: each figure to the JSON value it names, and
each number in a sentence to a figure (shared by the unit and integration tests of the findings)."""

from __future__ import annotations

import re

#: Numbers as a sentence writes them ("54,024,716", "84%"), not digits inside names ("sejjil-2").
NUMBER = re.compile(r"(?<![\w-])\d[\d,]*(?![\w-])")


def numbers_in(text: str) -> list[int]:
    return [int(match.group().rstrip(",").replace(",", "")) for match in NUMBER.finditer(text)]


def figure_numbers(figures) -> set[int]:
    """Every number a sentence may quote from ``figures``: the integers, list lengths and shares as percents."""
    found: set[int] = set()
    values = list(figures.values()) if isinstance(figures, dict) else list(figures)
    for value in values:
        if isinstance(value, bool) or value is None or isinstance(value, str):
            continue
        if isinstance(value, int):
            found.add(value)
        elif isinstance(value, float):
            found.add(round(value * 100))
        else:
            found.add(len(value))
            found |= figure_numbers(value)
    return found


def unquoted_numbers(finding: dict) -> list[int]:
    """The numbers of a finding's sentence that none of its figures gives (empty when the sentence is sound)."""
    allowed = figure_numbers(finding["figures"])
    return [n for n in numbers_in(finding["text"]) if n not in allowed]


def figure_errors(finding: dict, comparison: dict) -> list[str]:
    """Where a finding's figures depart from the comparison JSON (``roof compare --json``)."""
    entries = {entry["name"]: entry for entry in comparison["architectures"]}
    figures, kind = finding["figures"], finding["kind"]
    expected: dict = {}
    if kind == "threats":
        entry = entries[figures.get("architecture", next(iter(entries)))]
        total, short = entry["threats_total"], entry["threats_out_of_range"]
        expected = {"threat_trajectories": total + short, "threats_total": total, "threats_out_of_range": short}
    elif kind == "defends":
        entry = entries[figures["architecture"]]
        keys = ("threats_engageable", "threats_total", "protected_share", "cities_threatened", "cities_protected")
        expected = {key: entry[key] for key in (*keys, "protected_population", "threatened_population")}
        expected["cities_undefended"] = [c["city"] for c in entry["cities"] if c["status"] == "threatened-undefended"]
    elif kind in ("same-cities", "cities-differ"):
        expected = {"cities_protected": {name: e["cities_protected"] for name, e in entries.items()}}
        if kind == "same-cities":
            expected["threats_engageable"] = [e["threats_engageable"] for e in entries.values()]
    elif kind == "party":
        entry, party = entries[figures["architecture"]], figures["party"]
        without = entry["without_party_summary"][party]
        expected = {
            "threats_total": entry["threats_total"],
            "threats_engageable": entry["threats_engageable"],
            "threats_engageable_without": without["threats_engageable"],
            "threats_added": entry["threats_engageable"] - without["threats_engageable"],
            "cities_protected": entry["cities_protected"],
            "cities_protected_without": without["cities_protected"],
            "cities_added": sorted(set(entry["cities_protected"]) - set(without["cities_protected"])),
            "threats_engageable_alone": entry["by_party"][party]["threats_engageable"],
        }
        if without["protected_share"] != entry["without_party"][party]:
            return [f"without_party[{party}] is not the reduced summary's protected share"]
    elif kind == "undefended":
        rows = {name: next(c for c in e["cities"] if c["city"] == figures["city"]) for name, e in entries.items()}
        threatened = {name: row for name, row in rows.items() if row["status"] == "threatened-undefended"}
        expected = {
            "why_not": {name: row["why_not"] for name, row in threatened.items()},
            "threat_classes": sorted({c for row in threatened.values() for c in row["threat_classes"]}),
        }
        if any(row["status"] == "defended" for row in rows.values()):
            return [f"{figures['city']} is defended somewhere"]
    elif kind == "out-of-range":
        statuses: dict[str, set] = {}
        for entry in entries.values():
            for row in entry["cities"]:
                statuses.setdefault(row["city"], set()).add(row["status"])
        far = sorted(city for city, seen in statuses.items() if seen == {"out-of-range"})
        expected = {"cities_out_of_range": far, "cities_aimed": len(statuses)}
    else:
        return [f"unknown kind {kind!r}"]
    return [f"{kind}: {key} is {figures.get(key)!r}, the JSON says {value!r}" for key, value in expected.items()
            if figures.get(key) != value]  # fmt: skip
