"""What-ifs end to end: a scenario that extends another and removes rows runs exactly as the scenario
it then equals, and a scenario saved with its what-ifs gives the results of the command that saved it."""

import json

from typer.testing import CliRunner

from securityroof.analysis.engage import engage
from securityroof.model.scenario import load_scenario
from securityroof.present.cli import app

runner = CliRunner()


def test_joint_lisbon_without_russia_engages_as_epaa_phase_3(tmp_path):
    russian = [asset.id for asset in load_scenario("joint-lisbon").assets if asset.owner == "russia"]
    path = tmp_path / "nato-only.toml"
    remove = json.dumps(["russia", *russian])
    path.write_text(f'extends = "joint-lisbon"\nremove = {remove}\n\n[sharing]\npolicy = "within-party"\n')
    assert engage(load_scenario(path)).records() == engage(load_scenario("epaa-phase-3")).records()


def test_a_saved_scenario_gives_the_results_of_the_command_that_saved_it(tmp_path):
    saved = tmp_path / "saved.toml"
    whatifs = ["--without", "kurecik", "--set", "sm-3-iia.burnout_speed_km_s=5.5", "--decision-delay", "30",
               "--add", '[[asset]] id = "gabala-tpy" owner = "nato" kind = "an-tpy-2" lat_deg = 40.87 '
               "lon_deg = 47.8 boresight_az_deg = 180"]  # fmt: skip
    first = runner.invoke(app, ["engage", "epaa-phase-3", *whatifs, "--save-scenario", str(saved), "--json"])
    assert first.exit_code == 0, first.output
    again = runner.invoke(app, ["engage", str(saved), "--json"])
    assert again.exit_code == 0, again.output
    assert json.loads(again.stdout) == json.loads(first.stdout)
    # the what-ifs moved something: the saved file is not the library's scenario again
    plain = runner.invoke(app, ["engage", "epaa-phase-3", "--json"])
    assert json.loads(plain.stdout)["engagements"] != json.loads(first.stdout)["engagements"]


def test_whatif_problems_name_the_option(tmp_path):
    cases = [
        (["--without", "kurecek"], "error: --without: unknown asset 'kurecek'; did you mean kurecik?"),
        (["--set", "sm-3-iia.burnout_speed_km_s=15"], "error: --set: sm-3-iia.burnout_speed_km_s: Input should be"),
        (["--decision-delay", "-1"], "error: --decision-delay: Input should be greater than or equal to 0"),
        (["--add", 'remove = ["kurecek"]'], "error: --add: remove[0]: unknown id"),
        (["--save-scenario", str(tmp_path / "no" / "x.toml")], "error: --save-scenario: "),
    ]
    for command in ("engage", "footprint", "deterrence", "map"):
        for whatif, message in cases:
            extra = {"footprint": ["--threat", "iran-irbm"], "map": ["--out", str(tmp_path / "m.png")]}
            result = runner.invoke(app, [command, "epaa-phase-3", *extra.get(command, []), *whatif])
            assert result.exit_code == 2 and result.stderr.startswith(message), (command, result.stderr)
    two = runner.invoke(app, ["compare", "epaa-phase-3", "joint-lisbon", "--save-scenario", str(tmp_path / "x.toml")])
    assert two.exit_code == 2 and "--save-scenario: writes one scenario" in two.stderr
