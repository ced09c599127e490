"""numpy columns and Python strings as Arrow arrays by their buffers: ``pa.array`` of a numpy array imports
``numpy.ma`` (to check for a masked array), and of Python objects pandas' and dateutil's checks, which cost a short
decode more than the conversion itself."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyarrow as pa


def arrow_array(values: np.ndarray, type: pa.DataType | None = None, mask: np.ndarray | None = None) -> pa.Array:
    """What ``pa.array(values, type, mask=mask)`` makes of a 1-D numpy array of numbers or booleans (``mask``
    true where a value is null); numbers in native byte order are not copied."""
    values = np.ascontiguousarray(values, dtype=values.dtype.newbyteorder("="))
    data = np.packbits(values, bitorder="little") if values.dtype == np.bool_ else values
    validity, nulls = None, 0
    if mask is not None:
        nulls = int(np.count_nonzero(mask))
        validity = pa.py_buffer(np.packbits(~mask, bitorder="little")) if nulls else None
    return pa.Array.from_buffers(type or pa.from_numpy_dtype(values.dtype), len(values),
                                 [validity, pa.py_buffer(data)], null_count=nulls)


def string_array(texts: Sequence[str]) -> pa.StringArray:
    """What ``pa.array(texts, pa.string())`` makes of Python strings."""
    encoded = [text.encode() for text in texts]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int32)
    np.cumsum([len(octets) for octets in encoded], out=offsets[1:])
    return pa.StringArray.from_buffers(len(encoded), pa.py_buffer(offsets), pa.py_buffer(b"".join(encoded)))
