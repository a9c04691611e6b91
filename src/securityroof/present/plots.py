"""The sweep's plot: an outcome against each swept axis (``roof sweep-plot``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from securityroof.analysis.sweep import outcome_profiles
from securityroof.present.figures import save_figure


def plot_outcome(out_dir: Path, outcome: str, subject: str, path: Path) -> Path:
    """One panel per swept axis: the mean over the other axes, with the spread (min to max) shaded."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    name, profiles = outcome_profiles(out_dir, outcome, subject)
    fig, panels = plt.subplots(1, len(profiles), figsize=(4.2 * len(profiles), 3.6), squeeze=False)
    for ax, profile in zip(panels[0], profiles, strict=True):
        x = np.array(profile.labels, dtype=float) if profile.numeric else np.arange(len(profile.labels))
        ax.fill_between(x, profile.low, profile.high, alpha=0.25, color="#1f4e9c", label="spread (min–max)")
        ax.plot(x, profile.mean, marker="o", color="#1f4e9c", label="mean")
        if not profile.numeric:
            ax.set_xticks(x, [str(label) for label in profile.labels])
        ax.set_xlabel(profile.name)
        ax.set_ylabel(f"{outcome} ({subject})")
        ax.grid(alpha=0.3)
    panels[0][0].legend(fontsize=8)
    fig.suptitle(f"{name}: {outcome} ({subject}) against each swept axis", fontsize=10)
    fig.tight_layout()
    return save_figure(fig, path)
