"""The ``roof`` command (typer for the interface, rich for what people read): ``app`` and its commands,
one module per group."""

from securityroof.present.cli._app import app

# isort: off
# the groups register their commands in the order `roof --help` lists them: first what a newcomer runs
from securityroof.present.cli import trajectory, analyses, reports, library, sweeps, serve

# isort: on

__all__ = ["analyses", "app", "library", "reports", "serve", "sweeps", "trajectory"]
