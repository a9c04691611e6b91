"""The physics modules talk through public names: a private one is its module's own business."""

import ast
from pathlib import Path

import securityroof.physics

PHYSICS = Path(securityroof.physics.__file__).parent


def _private_imports(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("securityroof"):
            # the compiled kernels are a private module of the dispatch, imported whole
            found += [f"{node.module}.{alias.name}" for alias in node.names if alias.name.startswith("_")]
    compiled = ("._compiled_kernels", "._compiled_targeting", "._compiled_solve")
    return [name for name in found if not name.endswith(compiled)]


def test_no_physics_module_imports_another_ones_private_names():
    assert {path.name: _private_imports(path) for path in PHYSICS.glob("*.py") if _private_imports(path)} == {}
