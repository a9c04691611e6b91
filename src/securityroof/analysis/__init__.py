"""Answers built on engagements: comparing architectures (and, to come, footprints and the
deterrence check)."""
