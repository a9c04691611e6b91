"""What `roof` prints of user input is shown as typed: never taken for rich markup, never a terminal command."""

from importlib import resources

import pytest
from typer.testing import CliRunner

from securityroof.analysis import compare as compare_module
from securityroof.analysis import sweep
from securityroof.model.scenario import ScenarioError
from securityroof.present.cli import app
from securityroof.present.terminal import shown

runner = CliRunner()

#: Sequences that would clear the screen, set the window title, and ring the bell.
HOSTILE = ("\x1b[2J", "\x1b]0;title\x07")


def roof(*args):
    return runner.invoke(app, [str(a) for a in args])


def assert_harmless(text: str) -> None:
    # the output goes to a pipe here, so rich adds no escape sequences of its own: any ESC is the input's
    assert "\x1b" not in text and "\x07" not in text, repr(text)


@pytest.mark.parametrize(
    "value, expected",
    [
        ("d[/]m.png", r"d\[/]m.png"),
        ("[red]x.png", r"\[red]x.png"),
        ("a\x1b[2Jb", r"a\x1b[2Jb"),
        ("\x1b]0;title\x07", r"\x1b]0;title\x07"),
        ("line\nforged", r"line\x0aforged"),
        ("\x9b2J", r"\x9b2J"),  # the one-character CSI
        ("\u202etxt.exe", r"\u202etxt.exe"),
        ("\udcff.png", r"\xff.png"),  # a file name that is not UTF-8: the byte it holds
    ],
)
def test_shown_makes_markup_and_control_characters_visible(value, expected):
    assert shown(value) == expected


@pytest.mark.parametrize("name", ["d[/]m.png", "[red]x.png"])
def test_map_to_a_path_that_looks_like_markup_prints_its_name(tmp_path, monkeypatch, name):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "d[").mkdir()
    result = roof("map", "example-shared", "--out", name)
    assert result.exit_code == 0, result.output
    assert (tmp_path / name).is_file()
    assert f"written to {name}\n" in result.stdout


@pytest.mark.parametrize("name", ["d[/]m.csv", "[red]x.csv"])
def test_batch_to_a_path_that_looks_like_markup_prints_its_name(tmp_path, monkeypatch, name):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "d[").mkdir()
    (tmp_path / "pairs.csv").write_text("launch_lat_deg,launch_lon_deg,aim_lat_deg,aim_lon_deg\n0,0,0,10\n")
    result = roof("trajectory", "--batch", "pairs.csv", "--out", name)
    assert result.exit_code == 0, result.output
    assert (tmp_path / name).is_file()
    assert f"written to {name} in" in result.stdout


def test_report_to_a_directory_that_looks_like_markup_prints_its_name(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "d[").mkdir()
    result = roof("report", "example-shared", "--out", "d[/]m")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "d[" / "]m" / "index.html").is_file()
    assert "report written to d[/]m/index.html\n" in result.stdout


def test_an_output_path_with_escape_sequences_is_printed_visibly(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    name = "m\x1b]0;title\x07\x1b[2J.svg"
    result = roof("map", "example-shared", "--out", name)
    assert result.exit_code == 0, result.output
    assert (tmp_path / name).is_file()
    assert_harmless(result.output)
    assert r"m\x1b]0;title\x07\x1b[2J.svg" in result.stdout


def hostile_scenario(tmp_path, *, valid: bool):
    text = (resources.files("securityroof") / "data" / "scenarios" / "example-shared.toml").read_text("utf-8")
    text = text.replace('description = "', 'description = "\\u001b[2J\\u001b]0;title\\u0007')
    text = text.replace('label = "NATO"', 'label = "NA\\u001b[2JTO"')
    if not valid:
        text = text.replace("alt_m = 2085", 'alt_m = 2085\n"evil\\u001b[2Jkey" = 1')
        text = text.replace('aim = ["bucharest", "warsaw"]', 'aim = ["buch\\u001b]0;title\\u0007arest", "warsaw"]')
        text = text.replace('id = "kurecik"', 'id = "kur\\u001b[2Jecik"')
    path = tmp_path / "hostile[red].toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_validation_messages_show_escape_sequences_in_keys_ids_and_names_visibly(tmp_path):
    result = roof("validate", hostile_scenario(tmp_path, valid=False))
    assert result.exit_code == 2
    assert_harmless(result.output)
    lines = result.stderr.splitlines()
    assert len(lines) == 3 and all(line.startswith(f"error: {tmp_path}/hostile[red].toml:") for line in lines)
    assert "asset[0].evil\\x1b[2Jkey: unknown key" in result.stderr
    assert "unknown point 'buch\\x1b]0;title\\x07arest'" in result.stderr
    assert "kur\\u001b[2Jecik" in result.stderr


@pytest.mark.parametrize("command", [["validate"], ["engage"], ["compare"], ["deterrence", "--speeds", "6"]])
def test_a_scenario_with_escape_sequences_in_its_text_prints_none(tmp_path, command):
    result = roof(command[0], hostile_scenario(tmp_path, valid=True), *command[1:])
    assert result.exit_code == 0, result.output
    assert_harmless(result.output)


def test_a_missing_scenario_named_with_escape_sequences_is_named_visibly():
    result = roof("engage", "ep\x1b]0;title\x07aa")
    assert result.exit_code == 2
    assert_harmless(result.output)
    assert result.stderr.startswith("error: ep\\x1b]0;title\\x07aa: not a file")


def test_query_results_are_shown_as_stored(tmp_path, monkeypatch):
    class Relation:
        columns = ["[bold]name\x1b[2J"]

        def fetchall(self):
            return [("[red]x\x1b]0;title\x07",), ("d[/]m",)]

    # the command imports the query when it runs: replace it where it is defined
    monkeypatch.setattr(sweep, "query", lambda directory, sql: Relation())
    result = roof("query", tmp_path, "select 1")
    assert result.exit_code == 0, result.output
    assert_harmless(result.output)
    for text in (r"[bold]name\x1b[2J", r"[red]x\x1b]0;title\x07", "d[/]m"):
        assert text in result.stdout


def test_every_problem_found_deep_inside_a_command_is_its_own_line(monkeypatch, capsys):
    def hostile(*args, **kwargs):
        raise ScenarioError(["a.toml:1: key\x1b[2J: unknown key", "a.toml:2: name: line\nforged"])

    monkeypatch.setattr(compare_module, "compare", hostile)
    with pytest.raises(SystemExit) as stop:
        app(["compare", "example-shared"], prog_name="roof")
    assert stop.value.code == 2
    assert capsys.readouterr().err.splitlines() == [
        r"error: a.toml:1: key\x1b[2J: unknown key",
        r"error: a.toml:2: name: line\x0aforged",
    ]
