"""Equal-width runs of a 1-D array gathered as the rows of a 2-D one, a whole row per copy."""

from __future__ import annotations

import numpy as np


def gather_rows(data: np.ndarray, at: np.ndarray, width: int) -> np.ndarray:
    """``data[a:a + width]`` for each ``a`` in ``at`` (each run within ``data``, a contiguous 1-D array) as the
    rows of a new (n, width) array: numpy copies each row as one item, not element by element."""
    runs = np.ndarray((max(len(data) - width + 1, 0),), np.dtype((np.void, data.itemsize * width)), data,
                      strides=(data.itemsize,))
    return runs[at].view(data.dtype).reshape(len(at), width)
