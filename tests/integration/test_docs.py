"""The figures the docs quote are the ones the code prints now (docs/build.py regenerates them), and what
the docs and the package data cite is shipped with them or public."""

import re
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_every_generated_figure_matches_the_code(docs_build):
    changed = docs_build.build(check=True)
    assert not changed, "run python docs/build.py:\n" + "\n".join(changed)


@pytest.mark.parametrize(
    ("doc", "fragments"),
    [
        ("README.md", {"deterrence-table", "deterrence-engageable third-site-2007", "assess 960 4500 54"}),
        ("docs/scenarios/README.md", {"compare", "engage-summary", "threat-set", "threats-total"}),
    ],
)
def test_the_tables_users_read_first_are_generated(docs_build, doc, fragments):
    """A marker deleted by hand would let its table drift unseen: these must stay generated."""
    found = {m["name"] for m in docs_build.MARKER.finditer((ROOT / doc).read_text(encoding="utf-8"))}
    assert fragments <= found


def test_check_fails_and_names_the_file_when_a_number_was_edited(docs_build, tmp_path, capsys):
    copy = tmp_path / "README.md"
    shutil.copy(ROOT / "docs" / "scenarios" / "README.md", copy)
    text = copy.read_text(encoding="utf-8")
    edited = text.replace("| third-site-2007 | within-party | 39/45 |", "| third-site-2007 | within-party | 38/45 |")
    assert edited != text
    copy.write_text(edited, encoding="utf-8")

    assert docs_build.main(["--check", str(copy)]) == 1
    out = capsys.readouterr()
    assert "-| third-site-2007 | within-party | 38/45 |" in out.out
    assert "+| third-site-2007 | within-party | 39/45 |" in out.out
    assert copy.read_text(encoding="utf-8") == edited  # --check writes nothing

    assert docs_build.main([str(copy)]) == 0
    assert copy.read_text(encoding="utf-8") == text


def test_an_inline_figure_is_checked_inside_its_sentence(docs_build, tmp_path):
    doc = tmp_path / "doc.md"
    doc.write_text(
        "Phase 1: **<!-- generated: feasible epaa-phase-1 -->9 of 288<!-- end generated: feasible epaa-phase-1 -->"
        " engagements feasible.**\n",
        encoding="utf-8",
    )
    docs_build.build([doc])
    assert "-->8 of 288<!--" in doc.read_text(encoding="utf-8")


def test_rows_keep_the_engagements_the_prose_chose(docs_build):
    body = "\n| threat | site |\n| --- | --- |\n| `iran-mrbm/tabriz->ankara` | east-med-sm-3-ia | yes |\n"
    rows = docs_build.fragments.tables.engagement_rows(["epaa-phase-1"], body).splitlines()[2:]
    assert rows == ["| `iran-mrbm/tabriz->ankara` | east-med-sm-3-ia | yes | kurecik 100 | 125 | 540–585 | 164 | 1 |"]


def test_an_unknown_fragment_or_row_is_refused_in_one_line(docs_build):
    with pytest.raises(SystemExit, match="unknown fragment 'compare-typo'"):
        docs_build.render("compare-typo", "")
    body = "\n| threat | site |\n| --- | --- |\n| `iran-mrbm/tabriz->ankara` | nowhere |\n"
    with pytest.raises(SystemExit, match="no engagement of iran-mrbm/tabriz->ankara by nowhere"):
        docs_build.fragments.tables.engagement_rows(["epaa-phase-1"], body)


#: What a shipped text must not cite: files the package does not ship (the research notes and the
#: estimates table they came from) and paths of the machine it was written on.
UNSHIPPED = re.compile(r"parameter-estimates|\bnotes/|\.\./shared|(?<![\w.~])/(?:work|home|root|Users|mnt)/")


def shipped_texts() -> list[Path]:
    """The package's data and code, the README and the docs: what a user of the package can open."""
    package = ROOT / "src" / "securityroof"
    data = [p for p in (package / "data").rglob("*") if p.is_file() and p.suffix != ".json"]
    return [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md")), *data, *sorted(package.rglob("*.py"))]


def test_no_shipped_file_cites_a_file_that_is_not_shipped():
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in shipped_texts()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if UNSHIPPED.search(line)
    ]
    assert not found, "cite the original document instead:\n" + "\n".join(found)


@pytest.mark.parametrize("text", ["see notes/research.md", "(parameter-estimates.md)", "/work/shared/x", "/home/me"])
def test_the_unshipped_citation_check_sees_each_kind(text):
    assert UNSHIPPED.search(text)
