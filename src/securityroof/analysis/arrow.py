"""Results as Arrow tables (and pandas frames, where pandas is installed): the columns a result holds,
with NaN and missing values as nulls, so that a notebook needs neither the command line nor JSON."""

from __future__ import annotations

import numpy as np
import pyarrow as pa


def table(columns: dict[str, np.ndarray]) -> pa.Table:
    """``columns`` (equal-length arrays) as an Arrow table: text columns as strings, NaN floats as null."""
    arrays = {}
    for key, values in columns.items():
        values = np.asarray(values)
        if values.dtype == object or values.dtype.kind == "U":
            arrays[key] = _strings(values)
        elif values.dtype.kind == "f":
            arrays[key] = pa.array(values, mask=np.isnan(values))
        else:
            arrays[key] = pa.array(values)
    return pa.table(arrays)


def _strings(values: np.ndarray) -> pa.Array:
    """Text as Arrow strings, None as null: converted by Arrow itself (a list of Python strings built
    first took 0.2 s per 150,000), or entry by entry where some entry is not text."""
    try:
        return pa.array(values, type=pa.string())
    except (pa.ArrowTypeError, pa.ArrowInvalid):
        return pa.array([None if v is None else str(v) for v in values], type=pa.string())


def frame(arrow: pa.Table):
    """An Arrow table as a pandas DataFrame; pandas is optional, and its absence is said in one line."""
    try:
        import pandas  # noqa: F401 - pyarrow needs it importable
    except ImportError:
        from securityroof.errors import RoofError

        raise RoofError("to_pandas: pandas is not installed (pip install pandas), or use to_arrow()",
                        field="to_pandas", reason="pandas is not installed") from None  # fmt: skip
    return arrow.to_pandas()
