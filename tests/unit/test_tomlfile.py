"""The guarded TOML loader: hostile files end in one line naming the file and the limit, quickly.

Each hostile input is built here (not stored) and breaks plain tomllib: RecursionError, minutes of
work, a ValueError or an int that overflows float(). Every user TOML file goes through the loader:
scenario, sweep file, catalog file.
"""

import tomllib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from securityroof.analysis.sweep import SweepError, load_sweep
from securityroof.io import tomlfile
from securityroof.io.tomlfile import TomlLimitError, loads
from securityroof.model.catalog import CatalogError, parse_entries
from securityroof.model.scenario import ScenarioError, library, parse_scenario
from securityroof.present.cli import app

DEEP = "x = " + "[" * 100_000 + "]" * 100_000
DOTTED = "[" + ".".join(["a"] * 100_000) + "]\nx = 1\n"
LONG_INT = "x = [" + "9" * 400 + ", 1.0]"
HOSTILE = [
    (DEEP, "nested more than 32 deep"),
    ("x = " + "{a = " * 50_000 + "1" + "}" * 50_000, "nested more than 32 deep"),
    (DOTTED, "a dotted key of more than 32 parts"),
    (".".join(["a"] * 100_000) + " = 1", "a dotted key of more than 32 parts"),
    (".".join(f'"{i}"' for i in range(40)) + " = 1", "a dotted key of more than 32 parts"),
    (LONG_INT, "a number of more than 40 digits"),
    ("x = " + "9" * 5000, "a number of more than 40 digits"),
    ("x = 1_" + "0_" * 45 + "0", "a number of more than 40 digits"),
    ("x = 9223372036854775808", "x: 9223372036854775808 is beyond the 64-bit integers"),
    ("x = 1" + " " * 1_000_000, "more than 1,000,000"),
    ("a=1\n" * 100_001, "100,001 keys and table headers"),
]


@pytest.mark.parametrize("text,reason", HOSTILE, ids=[r for _, r in HOSTILE])
def test_hostile_text_is_one_line_naming_the_file_and_the_limit(text, reason):
    with pytest.raises(TomlLimitError) as error:
        loads(text, "f.toml")
    message = str(error.value)
    assert message.startswith("f.toml") and reason in message and "\n" not in message


def test_the_line_of_a_breach_is_named_and_strings_and_comments_do_not_count():
    text = (
        'title = "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[ 12345678901234567890123456789012345678901234567890"\n'
        "# a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q.r.s.t.u.v.w.x.y.z.a.b.c.d.e.f.g.h [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\n"
        "note = '''\n" + "[" * 50 + "\n'''\n"
        "launch = [[38.08, 46.29], [1.5e300, -9223372036854775808]]\n"
        "x = " + "[" * 33 + "]" * 33 + "\n"
    )
    with pytest.raises(TomlLimitError, match=r"^f\.toml:7: arrays or tables nested more than 32 deep$"):
        loads(text, "f.toml")
    within = text.rsplit("x = ", 1)[0]
    assert loads(within, "f.toml") == tomllib.loads(within)


def test_every_shipped_toml_file_is_within_the_limits():
    root = Path(tomlfile.__file__).parents[1] / "data"
    files = sorted(root.rglob("*.toml"))
    assert len(files) > 10
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert loads(text, path.name) == tomllib.loads(text)
    assert all(entry.description for entry in library())


@pytest.mark.parametrize("text,reason", [HOSTILE[0], HOSTILE[2], HOSTILE[5]], ids=["deep", "dotted", "long-int"])
def test_scenario_sweep_and_catalog_files_go_through_the_guard(tmp_path, text, reason):
    with pytest.raises(ScenarioError, match=reason):
        parse_scenario(text, file="s.toml")
    with pytest.raises(CatalogError, match=reason):
        parse_entries("missile", text, file="missiles.toml")
    path = tmp_path / "sweep.toml"
    path.write_text(text)
    with pytest.raises(SweepError, match=reason):
        load_sweep(str(path))
    for command in (["validate", str(path)], ["sweep", str(path), "--out", str(tmp_path / "out")]):
        result = CliRunner().invoke(app, command)
        assert result.exit_code == 2, command
        assert result.stderr.strip().count("\n") == 0 and reason in result.stderr and str(path) in result.stderr
