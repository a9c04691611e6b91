"""Findings: what a comparison shows, in plain sentences built from its figures.

Each finding is ``{"kind": ..., "text": ..., "figures": {...}}``: ``text`` is a template filled from
``figures``, and every figure is a value of the comparison's JSON or a count, sum or set difference
of such values, so that a test can hold each sentence to the numbers it rests on. No sentence is
written by hand or by a language model; a finding that the figures do not support is not made.

The kinds, in the order they are listed:

- ``threats``: how many threat trajectories there are and how many can reach their aim point (the
  others are left out of every share);
- ``defends``: per architecture, how many of those it can engage and which cities it protects, by
  name, and which threatened ones it does not;
- ``same-cities`` / ``cities-differ``: whether the architectures protect the same cities;
- ``party``: per architecture with more than one party, what each party's assets add: the
  architecture against itself with that party's sensors and interceptor sites removed
  (``without_party_summary``), and what that party's interceptor sites engage alone (``by_party``);
- ``undefended``: per city that some threat reaches and no architecture defends, why not;
- ``out-of-range``: the cities aimed at that no threat reaches in any architecture;
- ``deterrence``: the deterrence check's verdict per direction (its sentences and figures are made in
  :mod:`securityroof.analysis.deterrence_verdicts`; here they become findings, named after their
  architecture where several are reported together).
"""

from __future__ import annotations

from collections import Counter

#: A city's status in an architecture (the ``status`` of its ``cities`` rows).
DEFENDED = "defended"
UNDEFENDED = "threatened-undefended"
OUT_OF_RANGE = "out-of-range"

#: Why the shots no site can engage are not engaged: the furthest hurdle any site got past, in words.
REASON_WORDS = {
    "not-detected": "not detected (no radar tracks them)",
    "not-shared": "not shared (only sensors the sharing policy keeps from the sites track them)",
    "out-of-reach": "out of reach (beyond every interceptor's range or altitude band)",
    "below-min-altitude": "below the interceptors' lowest intercept altitude",
    "too-late": "too late (no interceptor gets there before the threat)",
    "no-interceptor-site": "not engaged: the architecture has no interceptor site",
}


def comparison_findings(architectures: list[dict], same_threats: bool) -> list[dict]:
    """The findings of a comparison's ``architectures`` entries (see the module docstring)."""
    findings = _threats(architectures, same_threats)
    findings += [_defends(entry) for entry in architectures]
    if len(architectures) > 1:
        findings.append(_contrast(architectures))
    for entry in architectures:
        if len(entry["parties"]) > 1:
            findings += [_party(entry, party) for party in entry["parties"]]
    findings += _undefended(architectures)
    if (out_of_range := _out_of_range(architectures)) is not None:
        findings.append(out_of_range)
    return findings


def deterrence_findings(verdicts: list[dict], architecture: str | None = None) -> list[dict]:
    """The deterrence check's verdicts as findings; ``architecture`` prefixes each sentence with the
    architecture's name, for a list that holds several architectures' findings."""
    prefix = f"{architecture}, deterrence: " if architecture else ""
    return [
        _finding(
            "deterrence",
            prefix + verdict["text"],
            **{key: value for key, value in verdict.items() if key != "text"},
            **({"architecture": architecture} if architecture else {}),
        )
        for verdict in verdicts
    ]


def _finding(kind: str, text: str, **figures) -> dict:
    return {"kind": kind, "text": text, "figures": figures}


def _threats(architectures: list[dict], same_threats: bool) -> list[dict]:
    findings = []
    for entry in architectures[:1] if same_threats else architectures:
        total, short = entry["threats_total"], entry["threats_out_of_range"]
        whose = "The architectures' common threat set" if same_threats else f"{entry['name']}'s threat set"
        text = (
            f"{whose} has {total + short:,} threat trajectories (a missile class from a launch point at an aim "
            f"point); {total:,} of them can reach their aim point and are the ones counted below; the other "
            f"{short:,} fall short."
        )
        figures = {"threat_trajectories": total + short, "threats_total": total, "threats_out_of_range": short}
        if not same_threats:
            figures["architecture"] = entry["name"]
        findings.append(_finding("threats", text, **figures))
    return findings


def _defends(entry: dict) -> dict:
    name, labels = entry["name"], _labels(entry)
    undefended = [row["city"] for row in entry["cities"] if row["status"] == UNDEFENDED]
    engaged, total, share = entry["threats_engageable"], entry["threats_total"], entry["protected_share"]
    text = f"{name} can engage {engaged} of the {total} threat trajectories that reach their aim point"
    text += "" if share is None else f" ({share:.0%})"
    protected = entry["cities_protected"]
    if entry["cities_threatened"]:
        text += (
            f" and protects {len(protected)} of the {entry['cities_threatened']} threatened cities, "
            f"{entry['protected_population']:,} of {entry['threatened_population']:,} people"
        )
        text += f": {_names(protected, labels)}." if protected else "."
        text += f" Threatened but not protected: {_names(undefended, labels)}." if undefended else ""
    else:
        text += "; no threat reaches a catalog city."
    return _finding(
        "defends",
        text,
        architecture=name,
        threats_engageable=engaged,
        threats_total=total,
        protected_share=share,
        cities_threatened=entry["cities_threatened"],
        cities_protected=protected,
        protected_population=entry["protected_population"],
        threatened_population=entry["threatened_population"],
        cities_undefended=undefended,
    )


def _contrast(architectures: list[dict]) -> dict:
    names = [entry["name"] for entry in architectures]
    protected = {entry["name"]: entry["cities_protected"] for entry in architectures}
    if len({tuple(cities) for cities in protected.values()}) == 1:
        count = len(architectures[0]["cities_protected"])
        engaged = [entry["threats_engageable"] for entry in architectures]
        text = (
            f"{_and(names)} protect the same {count} {'city' if count == 1 else 'cities'}; they differ only in "
            f"how many threat trajectories they can engage: {_and([str(n) for n in engaged])}."
        )
        return _finding(
            "same-cities", text, architectures=names, cities_protected=protected, threats_engageable=engaged
        )
    labels = {city: label for entry in architectures for city, label in _labels(entry).items()}
    by = {
        city: [name for name in names if city in protected[name]]
        for city in sorted({city for cities in protected.values() for city in cities})
    }
    some = {city: those for city, those in by.items() if len(those) < len(names)}
    listed = "; ".join(f"{labels[city]} by {_and(those)}" for city, those in some.items())
    text = f"Not every architecture protects the same cities. Protected by some only: {listed}."
    return _finding("cities-differ", text, architectures=names, cities_protected=protected, protected_by=some)


def _party(entry: dict, party: str) -> dict:
    name, labels, label = entry["name"], _labels(entry), entry["parties"][party]
    without = entry["without_party_summary"][party]
    protected, kept = entry["cities_protected"], without["cities_protected"]
    added = [city for city in protected if city not in kept]
    threats_added = entry["threats_engageable"] - without["threats_engageable"]
    alone = entry["by_party"][party]["threats_engageable"]
    engaged = entry["threats_engageable"]
    cities = _part(len(added), len(protected))
    if 0 < len(added) < len(protected):
        cities = f"{len(added)} ({_names(added, labels)}) of the {len(protected)}"
    text = (
        f"In {name}, the assets of {label} (sensors and interceptor sites) add {_part(threats_added, engaged)} "
        f"engageable threat trajectories and {cities} protected cities: without them, "
        f"{without['threats_engageable']} stay engageable and {_part(len(kept), len(protected))} protected "
        f"cities stay protected. The interceptor sites of {label}, cued as the sharing policy allows, can engage "
        f"{alone} of the {entry['threats_total']} on their own."
    )
    return _finding(
        "party",
        text,
        architecture=name,
        party=party,
        threats_total=entry["threats_total"],
        threats_engageable=entry["threats_engageable"],
        threats_engageable_without=without["threats_engageable"],
        threats_added=threats_added,
        cities_protected=protected,
        cities_protected_without=kept,
        cities_added=added,
        threats_engageable_alone=alone,
    )


def _undefended(architectures: list[dict]) -> list[dict]:
    """A finding per city some threat reaches and no architecture defends: why not, in each."""
    rows: dict[str, dict[str, dict]] = {}
    for entry in architectures:
        for row in entry["cities"]:
            rows.setdefault(row["city"], {})[entry["name"]] = row
    findings = []
    for city, by_name in rows.items():
        statuses = {row["status"] for row in by_name.values()}
        if UNDEFENDED not in statuses or DEFENDED in statuses:
            continue
        threatened = {name: row for name, row in by_name.items() if row["status"] == UNDEFENDED}
        label = next(iter(by_name.values()))["label"]
        classes = sorted({c for row in threatened.values() for c in row["threat_classes"]})
        why_not = {name: row["why_not"] for name, row in threatened.items()}
        reasons = Counter()
        for counts in why_not.values():
            reasons.update(counts)
        parts = [
            f"{REASON_WORDS.get(reason, reason)}, "
            + _and([f"{counts[reason]} in {name}" for name, counts in why_not.items() if reason in counts])
            for reason, _ in reasons.most_common()
        ]
        who = "No architecture defends" if len(architectures) > 1 else f"{architectures[0]['name']} does not defend"
        text = (
            f"{who} {label}, which {_and(classes)} can reach: the shots at it that no site can engage are "
            f"{'; or '.join(parts)} (the reason of the site that got furthest)."
        )
        findings.append(_finding("undefended", text, city=city, threat_classes=classes, why_not=why_not))
    return findings


def _out_of_range(architectures: list[dict]) -> dict | None:
    statuses: dict[str, set[str]] = {}
    labels = {}
    for entry in architectures:
        labels.update(_labels(entry))
        for row in entry["cities"]:
            statuses.setdefault(row["city"], set()).add(row["status"])
    far = sorted(city for city, seen in statuses.items() if seen == {OUT_OF_RANGE})
    if not far:
        return None
    text = (
        f"{len(far)} of the {len(statuses)} catalog cities aimed at are beyond the reach of every missile aimed at "
        f"them, so nothing there needs defending: {_names(far, labels)}."
    )
    return _finding("out-of-range", text, cities_out_of_range=far, cities_aimed=len(statuses))


def _part(count: int, total: int) -> str:
    """``count`` of ``total`` in words: "none of the 18", "all 18", "2 of the 40"."""
    if count == 0:
        return f"none of the {total}"
    return f"all {total}" if count == total else f"{count} of the {total}"


def _labels(entry: dict) -> dict[str, str]:
    return {row["city"]: row["label"] for row in entry["cities"]}


def _names(cities: list[str], labels: dict[str, str]) -> str:
    return _and([labels.get(city, city) for city in cities])


def _and(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]
