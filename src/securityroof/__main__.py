"""``python -m securityroof`` runs the ``roof`` command."""

from securityroof.present.cli import app

app(prog_name="roof")
