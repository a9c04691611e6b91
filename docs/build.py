"""Regenerate the figures the docs quote from the code, so that they cannot drift from it.

Every figure the library computes sits in the docs between markers::

    <!-- generated: NAME ARG... -->…<!-- end generated: NAME ARG... -->

and everything outside them is hand-written. ``python docs/build.py`` rewrites what is between the
markers with what the library gives now; ``--check`` rewrites nothing, lists every fragment that
differs with a diff, and exits 1. A fragment on one line is a figure inside a sentence; one on lines
of its own is a table.

The fragments live in ``docs/fragments/``, a module per concern: ``tables`` (whole runs, chosen
rows, quoted files), ``queries`` (figures counted from one run's engagements or two compared),
``cues`` (each early-warning radar alone), ``deterrence`` (the deterrence check), ``places``
(distances and radar ranges), on ``runs`` (each run once per build) and ``text`` (formatting).
They call the library (``securityroof.engage``, ``compare``, ``deterrence``, ``assess_test``) and
only format its answers. Tables of chosen engagements (``rows``) take the (threat, site) pairs to
show from the first two columns of the table as checked in: the prose picks the rows, the code
fills them in.

Arguments after a fragment's kind: a scenario (library name, or a file's path from the repository's
root), then options: ``sharing=POLICY``, ``without=ID,ID`` (assets removed, a what-if that is not
in the library), ``delay=S`` (decision delay), ``set=CLASS.FIELD=VALUE`` (a catalog class's field,
as ``--set``).
"""

from __future__ import annotations

import argparse
import difflib
import importlib.util
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MARKER = re.compile(r"<!-- generated: (?P<name>[^\n]+?) -->(?P<body>.*?)<!-- end generated: (?P=name) -->", re.S)


def _fragments():
    """docs/fragments, imported by path as build.py is (the docs are no package): once per process,
    so that its runs are computed once however often build.py is loaded."""
    if "docs_fragments" not in sys.modules:
        where = Path(__file__).resolve().parent / "fragments"
        spec = importlib.util.spec_from_file_location(
            "docs_fragments", where / "__init__.py", submodule_search_locations=[str(where)]
        )
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module
        spec.loader.exec_module(module)
    return sys.modules["docs_fragments"]


fragments = _fragments()
FRAGMENTS = fragments.FRAGMENTS


def documents() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


def render(name: str, body: str) -> str:
    kind, *args = name.split()
    if kind not in FRAGMENTS:
        raise SystemExit(f"docs/build.py: unknown fragment {kind!r}; known: {', '.join(FRAGMENTS)}")
    text = FRAGMENTS[kind](args, body)
    # a table keeps its markers on lines of their own; a figure stays inside its sentence
    return f"\n{text}\n" if "\n" in body else text


def rebuild(text: str) -> str:
    return MARKER.sub(
        lambda m: f"<!-- generated: {m['name']} -->{render(m['name'], m['body'])}<!-- end generated: {m['name']} -->",
        text,
    )


def build(paths: list[Path] | None = None, check: bool = False) -> list[str]:
    """Rebuild the fragments of ``paths`` (default: every doc); return a diff of each that changed
    (written back unless ``check``)."""
    changed = []
    for path in paths or documents():
        old = path.read_text(encoding="utf-8")
        new = rebuild(old)
        if new == old:
            continue
        where = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
        lines = difflib.unified_diff(
            old.splitlines(), new.splitlines(), f"{where} (checked in)", f"{where} (code)", lineterm="", n=0
        )
        changed.append("\n".join(lines))
        if not check:
            path.write_text(new, encoding="utf-8")
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 listing what differs")
    parser.add_argument("paths", nargs="*", type=Path, help="docs to build (default: README.md and docs/**/*.md)")
    options = parser.parse_args(argv)
    changed = build([p.resolve() for p in options.paths] or None, check=options.check)
    for diff in changed:
        print(diff)
    if options.check and changed:
        print(f"{len(changed)} file(s) differ from what the code prints: run python docs/build.py", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
