"""The analyses' defaults that the faces show as option defaults, in a module that imports nothing, so
that ``roof --help`` reads them without loading the physics."""

#: Burn time and nominal burnout altitude assumed for the boost model unless given: the APS 2003
#: boost-phase study's solid ICBM (170 s, via IEEE Spectrum 2005) and a 200 km burnout.
DEFAULT_BURN_TIME_S = 170.0
DEFAULT_BURNOUT_ALTITUDE_KM = 200.0
#: The lofted-test class whose boost `roof assess-test` assumes unless told: the three-stage solid
#: ICBM, whose values are the two above (data/catalog/test-classes.toml).
DEFAULT_TEST_CLASS = "solid-3-stage"
DEFAULT_LATITUDE_DEG = 40.0

#: A footprint's grid: Europe and European Russia, one degree apart.
DEFAULT_EXTENT = (35.0, 70.0, -10.0, 60.0)  # lat_min, lat_max, lon_min, lon_max (degrees)
DEFAULT_STEP_DEG = 1.0

#: How long a sweep on a Dask scheduler waits for a worker: before it starts, and whenever every
#: worker has left (its tasks would otherwise wait for one forever, in silence).
WORKER_WAIT_S = 60.0

#: A report (`roof report`, `roof demo`) states how sure each finding is by default: a robustness run of
#: this many variants (about 4 s on 2 cores for the library's architectures; `--uncertainty 0`: none).
REPORT_UNCERTAINTY_VARIANTS = 100
