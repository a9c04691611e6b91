"""The Python API's many-trajectory call: inputs broadcast against each other, or a clear error."""

import numpy as np
import pytest

import securityroof as sr

LAUNCH, AIM = (38.08, 46.29), (39.93, 32.86)  # Tabriz to Ankara


def test_one_pair_broadcasts_against_many_burnout_angles():
    angles = np.array([30.0, 40.0, 50.0])
    together = sr.trajectories(*LAUNCH, *AIM, missile="shahab-3", burnout_angle_deg=angles).solution
    for k, angle in enumerate(angles):
        alone = sr.trajectory(LAUNCH, AIM, missile="shahab-3", burnout_angle_deg=angle).summary
        assert together.burnout_speed_mps[k] == pytest.approx(alone["burnout_speed_km_s"] * 1e3, rel=1e-9)


def test_one_pair_broadcasts_against_many_missiles():
    names = ["shahab-3", "sejjil-2", "ideal"]
    together = sr.trajectories(*LAUNCH, *AIM, missile=names)
    assert together.solution.reachable.tolist() == [True, True, True]
    assert list(together.solution.missile.name) == names
    # a heavier boost burns out later and higher: the three burnout states differ
    assert np.unique(together.solution.burnout_time_s).size == 3


@pytest.mark.parametrize(
    "args,kwargs,named",
    [
        ((np.zeros(3), np.zeros(2), 1.0, 1.0), {}, "launch_lat_deg, launch_lon_deg, aim_lat_deg, aim_lon_deg"),
        ((np.zeros(3), 0.0, 1.0, 1.0), {"burnout_angle_deg": [30.0, 40.0]}, "burnout_angle_deg (2 values)"),
        ((np.zeros(3), 0.0, 1.0, 1.0), {"missile": ["shahab-3", "ss-27"]}, "missile (2)"),
    ],
)
def test_inputs_that_do_not_broadcast_are_named(args, kwargs, named):
    with pytest.raises(sr.InputError, match=named.replace("(", r"\(").replace(")", r"\)")):
        sr.trajectories(*args, **kwargs)
