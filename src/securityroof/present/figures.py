"""Figures written like every other output: whole or not at all (see :mod:`securityroof.io.atomic`)."""

from __future__ import annotations

from pathlib import Path

from securityroof.io.atomic import atomic_path, clean_leftovers


def save_figure(fig, path: Path | str, **options) -> Path:
    """Save a matplotlib figure to ``path`` atomically, then close it (also when saving fails).

    The format comes from ``path``'s suffix: the temporary file's own suffix would tell matplotlib
    nothing. ``options`` go to ``savefig``.
    """
    import matplotlib
    import matplotlib.pyplot as plt

    path = Path(path)
    try:
        clean_leftovers(path)
        with atomic_path(path) as tmp:
            fig.savefig(tmp, format=path.suffix[1:].lower() or matplotlib.rcParams["savefig.format"], **options)
    finally:
        plt.close(fig)
    return path
