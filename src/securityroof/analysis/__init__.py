"""The answers, built from the model with the physics: a scenario's engagements (``engage``), the
comparison of architectures (``compare``), defended footprints (``footprint``), the deterrence check
(``deterrence``), flight-test assessment (``assess``), the trajectory API (``trajectories``), the batch
file (``batch``) and parameter sweeps (``sweep``)."""
