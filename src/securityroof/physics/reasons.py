"""Why a result is negative, as codes shared by the numpy reference and the compiled kernels.

One enum per question: whether targeting can fly a shot (:class:`Unreachable`), whether a sensor
tracks a trajectory (:class:`NotSeen`), whether a site can engage it (:class:`Infeasible`). The
codes are stored in int8 arrays; the compiled kernels read them as module-level ints (see
:mod:`securityroof.physics._compiled_kernels`), so a code is defined here and nowhere else.
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np


class Unreachable(IntEnum):
    """Why targeting finds no shot (the text shown to users is built in ``targeting.reasons``)."""

    NONE = 0
    COINCIDENT = 1
    ANTIPODAL = 2
    TOO_FAST = 3
    INSIDE_BOOST = 4
    NO_ARC = 5
    NOT_CONVERGED = 6
    NO_IMPACT = 7


class NotSeen(IntEnum):
    """Why a sensor never tracks a trajectory."""

    SEEN = 0
    BELOW_HORIZON = 1  # never above the radar's minimum elevation (or always above its maximum)
    OUT_OF_SECTOR = 2  # above the horizon only outside the radar's azimuth sector
    OUT_OF_RANGE = 3  # in the sector and above the horizon, but beyond detection range
    TOO_LATE = 4  # detected, but the track would form only after impact


NOT_SEEN_TEXT = {
    NotSeen.BELOW_HORIZON: "below-horizon",
    NotSeen.OUT_OF_SECTOR: "out-of-sector",
    NotSeen.OUT_OF_RANGE: "out-of-range",
    NotSeen.TOO_LATE: "track-after-impact",
}


class Infeasible(IntEnum):
    """Why a site cannot engage a threat, in order of precedence (see :mod:`securityroof.physics.engagement`)."""

    FEASIBLE = 0
    THREAT_OUT_OF_RANGE = 1
    NOT_DETECTED = 2
    NOT_SHARED = 3
    OUT_OF_REACH = 4
    BELOW_MIN = 5
    TOO_LATE = 6


#: The words the results carry for each :class:`Infeasible` code (None: feasible).
ENGAGEMENT_TEXT = {
    Infeasible.FEASIBLE: None,
    Infeasible.THREAT_OUT_OF_RANGE: "threat-out-of-range",
    Infeasible.NOT_DETECTED: "not-detected",
    Infeasible.NOT_SHARED: "not-shared",
    Infeasible.OUT_OF_REACH: "out-of-reach",
    Infeasible.BELOW_MIN: "below-min-altitude",
    Infeasible.TOO_LATE: "too-late",
}
#: :data:`ENGAGEMENT_TEXT` indexed by code, to turn a code array into words at once.
ENGAGEMENT_TEXT_BY_CODE = np.array([ENGAGEMENT_TEXT[code] for code in Infeasible], dtype=object)
