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


@pytest.mark.parametrize(
    "call,named",
    [
        (lambda: sr.trajectory("35,51", (52.0, 13.0)), "launch: expected (lat_deg, lon_deg), two numbers"),
        (lambda: sr.trajectory(([35, 36], [51, 52]), (52.0, 13.0)), "launch: expected (lat_deg, lon_deg)"),
        (lambda: sr.trajectory((35.0, 51.0), (52.0,)), "aim: expected (lat_deg, lon_deg)"),
        (lambda: sr.trajectory((35.0, 51.0), (52.0, 13.0), step_s="5"), "step_s: '5' must be a positive number"),
        (lambda: sr.trajectories(35, 51, 52, 13, missile=[]), "burnout_angle_deg and missile: each must be one value"),
        (lambda: sr.trajectories(np.zeros((2, 2)), 51, 52, 13), "launch_lat_deg: expected a number or a one-dim"),
        (lambda: sr.trajectories(["a"], 51, 52, 13), "launch_lat_deg: expected numbers, got ['a']"),
        (lambda: sr.trajectories(35, 51, 52, 13, burnout_angle_deg="abc"), "burnout_angle_deg: expected numbers"),
        (lambda: sr.trajectories(35, 51, 52, 13, burnout_angle_deg=90.0), "burnout_angle_deg: 90 must lie strictly"),
        (lambda: sr.trajectories(35, 51, 52, 13, missile=None), "missile: unknown class 'None'"),
    ],
)
def test_malformed_api_input_is_an_input_error_naming_the_field(call, named):
    with pytest.raises(sr.InputError) as error:
        call()
    assert str(error.value).startswith(named)


def test_no_pairs_are_no_trajectories():
    empty = np.array([])
    result = sr.trajectories(empty, empty, empty, empty, missile=np.array([], dtype=object), burnout_angle_deg=empty)
    assert len(result) == 0 and result.columns()["reachable"].size == 0


def test_geodesic_ranges_over_threads_are_the_single_call_s_in_order():
    """Many pairs are split over threads; the distances come back in the pairs' order, unchanged."""
    from pyproj import Geod

    from securityroof.analysis.trajectories import _GEODESIC_CHUNK, geodesic_km
    from securityroof.physics.earth import WGS84

    rng = np.random.default_rng(3)
    n = 2 * _GEODESIC_CHUNK + 17
    lon0, lat0, lon1, lat1 = (
        rng.uniform(-180, 180, n),
        rng.uniform(-89, 89, n),
        rng.uniform(-180, 180, n),
        rng.uniform(-89, 89, n),
    )
    single = np.asarray(Geod(ellps="WGS84").inv(lon0, lat0, lon1, lat1)[2]) / 1e3
    np.testing.assert_array_equal(geodesic_km(WGS84, lon0, lat0, lon1, lat1), single)
