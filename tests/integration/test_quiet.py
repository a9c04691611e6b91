"""Normal runs print results, not warnings: the common commands run as users run them (a fresh
process, worker processes included) with every RuntimeWarning turned into an error."""

import os
import subprocess
import sys

import pytest
from conftest import make_interceptor

from securityroof.physics.flyout import fan_samples

COMMANDS = [
    ["compare", "epaa-phase-3", "joint-lisbon"],
    ["deterrence", "epaa-phase-4", "--speeds", "5:9:1", "--delays", "0:300:150"],
    ["footprint", "epaa-phase-3", "--threat", "iran-irbm"],
    ["trajectory", "--from", "40,20", "--to", "40.0005,20", "--j2"],
    ["assess-test", "--range-km", "800", "--apogee-km", "6000", "--flight-time-min", "50"],
    ["sweep", "joint-speed-delay", "--workers", "2", "--out", "{tmp}/sweep"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[0])
def test_common_commands_raise_no_runtime_warning(command, tmp_path):
    # PYTHONWARNINGS, not -W: the sweep's worker processes read it too
    env = {**os.environ, "PYTHONWARNINGS": "error::RuntimeWarning"}
    args = [a.format(tmp=tmp_path) for a in command]
    run = subprocess.run(
        [sys.executable, "-m", "securityroof", *args], capture_output=True, text=True, env=env, timeout=600
    )
    assert run.returncode == 0, run.stderr[-3000:]
    assert "Warning" not in run.stderr, run.stderr[-3000:]


@pytest.mark.filterwarnings("error::RuntimeWarning")
def test_an_interceptor_fan_beyond_escape_speed_raises_no_runtime_warning():
    # 10.9 km/s at the steep fan angles' ~490 km burnout altitude is above the local escape speed (10.78 km/s)
    times, ground, altitude = fan_samples(
        make_interceptor(burnout_speed_km_s=10.9, burn_time_s=140.0, burnout_altitude_km=200.0)
    )
    assert times.shape == ground.shape == altitude.shape
