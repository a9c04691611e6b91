"""The layers hold: each imports only those below it, and only the faces import rich, typer or matplotlib
(the contracts are in pyproject.toml, [tool.importlinter]; docs/architecture.md says why each layer is
where it is)."""

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# the command the test extras install, beside this interpreter (or on the PATH)
LINT = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or shutil.which("lint-imports")


def _lint(config: Path | None = None) -> subprocess.CompletedProcess:
    command = [LINT, "--no-cache"]
    if config is not None:
        command += ["--config", str(config)]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_the_import_contracts_are_kept():
    result = _lint()
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "2 kept, 0 broken" in result.stdout


def test_the_contracts_catch_an_upward_import(tmp_path):
    """The check can fail: a contract that physics sits above present is broken by today's code."""
    config = tmp_path / "contracts.toml"
    config.write_text(
        """
[tool.importlinter]
root_package = "securityroof"

[[tool.importlinter.contracts]]
name = "upside down"
type = "layers"
layers = ["securityroof.physics", "securityroof.present"]
"""
    )
    result = _lint(config)
    assert result.returncode != 0 and "BROKEN" in result.stdout
