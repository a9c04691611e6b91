"""The worked notebook (docs/notebooks/joint-roof.ipynb) runs top to bottom on the documented Python API
and shows what that API computes; git holds it without outputs."""

import os
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

import securityroof as sr

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = ROOT / "docs" / "notebooks" / "joint-roof.ipynb"


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    # the kernel inherits this process's environment: the checkout's package, and no display to draw on
    path = os.pathsep.join(filter(None, [str(ROOT / "src"), os.environ.get("PYTHONPATH")]))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PYTHONPATH", path)
        patch.setenv("MPLBACKEND", "Agg")
        cwd = tmp_path_factory.mktemp("notebook")
        NotebookClient(
            notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(cwd)}}
        ).execute()
    return notebook


def _shown(notebook) -> str:
    """Everything the code cells printed or displayed, as text."""
    parts = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            parts.append(output.get("text", ""))
            data = output.get("data", {})
            parts.append(data.get("text/markdown", data.get("text/plain", "")))
    return "\n".join(parts)


def test_the_checked_in_notebook_has_no_outputs():
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(notebook)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert code
    assert all(cell.outputs == [] and cell.execution_count is None for cell in code)


def test_the_notebook_runs_and_shows_the_comparison_the_api_gives(executed):
    assert not [o for c in executed.cells for o in c.get("outputs", []) if o.output_type == "error"]
    shown = _shown(executed)
    phase3, joint = sr.load_scenario("epaa-phase-3"), sr.load_scenario("joint-lisbon")
    comparison = sr.compare([phase3, joint])
    findings = comparison.to_dict()["findings"]
    assert findings and all(finding["text"] in shown for finding in findings)
    for row in comparison.to_arrow().to_pylist():
        assert f"| {row['name']} | {row['sharing']} | {row['threats_engageable']} |" in shown


def test_the_notebook_shows_the_verdicts_before_and_after_its_what_if(executed):
    shown = _shown(executed)
    joint = sr.load_scenario("joint-lisbon")
    real = sr.deterrence(joint)
    before = real.verdicts
    # the what-if as the command line writes it, where the notebook passes a mapping
    faster = sr.what_if(joint, set=["sm-3-iia.burnout_speed_km_s=5.0"], without=["kurecik"])
    after = sr.deterrence(faster).verdicts
    assert [v["text"] for v in before] != [v["text"] for v in after]  # else the what-if would show nothing
    for verdict in (*before, *after):
        assert f"- {verdict['direction']}: {verdict['text']}" in shown
    for site in real.sites:
        assert f"| {site['name']} | {site['owner']} |" in shown


def test_the_notebook_draws_its_plot(executed):
    images = [o for c in executed.cells for o in c.get("outputs", []) if "image/png" in o.get("data", {})]
    assert len(images) == 1
