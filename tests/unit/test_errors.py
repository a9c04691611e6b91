"""One error type: every error names its field and its reason, and the command line shows a field as the
option the user typed, from one table, without rewriting words."""

import pytest
import typer
from typer.testing import CliRunner

from securityroof.errors import InputError, RoofError
from securityroof.present.cli import app
from securityroof.present.cli._app import OPTIONS


@pytest.mark.parametrize(
    ("message", "field", "reason"),
    [
        ("step_s: 0 must be a positive number of seconds", "step_s", "0 must be a positive number of seconds"),
        ("analysis.time_step_s: too fine", "analysis.time_step_s", "too fine"),
        ("asset[2].boresight_az_deg: missing", "asset[2].boresight_az_deg", "missing"),
        ("/tmp/a.toml: cannot read", None, "/tmp/a.toml: cannot read"),
        ("a.toml:3: asset[0].kind: unknown", None, "a.toml:3: asset[0].kind: unknown"),
        ("no field here", None, "no field here"),
    ],
)
def test_a_message_names_its_field_and_reason(message, field, reason):
    error = InputError(message)
    assert (error.field, error.reason, str(error)) == (field, reason, message)
    assert isinstance(error, RoofError) and isinstance(error, ValueError)


def test_a_given_field_wins_over_the_message():
    error = RoofError("--scheduler: cannot reach x", field="--scheduler", reason="cannot reach x")
    assert (error.field, error.reason) == ("--scheduler", "cannot reach x")


def test_every_option_in_the_table_is_an_option_of_roof():
    commands = typer.main.get_command(app).commands.values()
    options = {opt for command in commands for param in command.params for opt in param.opts if opt.startswith("--")}
    assert set(OPTIONS.values()) <= options


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["footprint", "epaa-phase-1", "--threat", "nope"], "error: --threat: 'nope' is not a threat of epaa-phase-1"),
        (["footprint", "epaa-phase-1", "--threat", "iran-irbm", "--step-deg", "20"], "error: --step-deg: 20"),
        (["deterrence", "epaa-phase-1", "--rcs-m2", "-1"], "error: --rcs-m2: must be a positive number"),
        (["deterrence", "epaa-phase-1", "--interceptor", "thaad"], "error: --interceptor: 'thaad' is not in this"),
        (["trajectory", "--from", "1,1", "--to", "2,2", "--missile", "shahab3"], "error: --missile: unknown class"),
        (["assess-test", "--range-km", "-5", "--apogee-km", "100"], "error: --range-km: "),
    ],
)
def test_errors_name_the_option_typed(argv, expected):
    result = CliRunner().invoke(app, argv)
    assert result.exit_code == 2
    assert result.stderr.strip().startswith(expected), result.stderr
