"""``python -m securityroof`` runs the ``roof`` command."""

from .cli import app

app(prog_name="roof")
