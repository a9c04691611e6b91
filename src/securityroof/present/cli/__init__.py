"""The ``roof`` command (typer for the interface, rich for what people read): ``app`` and its commands,
one module per group."""

from securityroof.present.cli import analyses, library, reports, sweeps, trajectory
from securityroof.present.cli._app import app

__all__ = ["analyses", "app", "library", "reports", "sweeps", "trajectory"]
