"""The package version, in one place (the facade, `roof --version` and sweep fingerprints read it)."""

__version__ = "0.1.0"
