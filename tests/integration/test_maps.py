"""Offline maps: the base map decodes, images have structure (size, drawn area, legend), not pixels."""

import matplotlib.image as mpimg
import numpy as np
from typer.testing import CliRunner

from securityroof.analysis.footprint import footprint
from securityroof.model.scenario import load_scenario
from securityroof.present.cli import app
from securityroof.present.maps import draw_map, world_arcs


def test_world_outlines_decode_into_coasts_and_borders():
    coasts, borders = world_arcs()
    assert len(coasts) > 500 and len(borders) > 200
    points = np.concatenate(coasts + borders)
    assert points[:, 0].min() >= -180.0 - 1e-6 and points[:, 0].max() <= 180.0 + 1e-6
    assert points[:, 1].min() >= -90.0 - 1e-6 and points[:, 1].max() <= 90.0 + 1e-6
    # Some coastline passes near Gibraltar (36 N, 5.6 W) and none inland at Moscow's latitude and longitude.
    near = lambda lon, lat: np.min(np.hypot(points[:, 0] - lon, points[:, 1] - lat))  # noqa: E731
    assert near(-5.6, 36.0) < 0.3


def test_map_png_and_svg_have_structure(tmp_path):
    scenario = load_scenario("epaa-phase-3")
    grid = footprint(scenario, "iran-irbm", (35.0, 50.0, 20.0, 50.0), 2.0)
    png = draw_map(scenario, tmp_path / "map.png", footprint=grid)
    image = mpimg.imread(png)
    assert image.shape[0] > 500 and image.shape[1] > 700
    rgb = image[..., :3]
    background = np.array([0xEE, 0xF4, 0xF8]) / 255.0
    drawn = np.mean(np.any(np.abs(rgb - background) > 0.05, axis=-1))
    assert drawn > 0.2  # outlines, coverage, footprint and legend, not an empty frame
    svg = draw_map(scenario, tmp_path / "map.svg", footprint=grid).read_text()
    assert "<svg" in svg and "interceptor site" in svg and "defended cells" in svg and "1,000 km" in svg
    assert 'href="http' not in svg and "url(http" not in svg  # namespaces only, nothing to fetch


def test_roof_map_command(tmp_path):
    runner = CliRunner()
    out = tmp_path / "m.png"
    result = runner.invoke(app, ["map", "example-shared", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.stat().st_size > 10_000
    assert runner.invoke(app, ["map", "example-shared", "--out", str(tmp_path / "m.gif")]).exit_code == 2
