"""The campaign report's PNGs: a histogram per figure, a scatter or strip per figure and dispersion, pass rates."""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

PASSED_STYLE = {"color": "tab:blue", "marker": "o", "label": "passed"}
FAILED_STYLE = {"color": "tab:red", "marker": "x", "label": "not passed"}
GOLDEN = 0.6180339887498949


@contextmanager
def _axes(path: Path, title: str, size: tuple[float, float] = (7.0, 4.4)) -> Iterator[Any]:
    """One matplotlib axes (Agg backend) saved to ``path`` when the block ends."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=size)
    try:
        yield ax
        ax.set_title(title)
        ax.grid(True, alpha=0.3)
        fig.tight_layout()
        fig.savefig(path, dpi=100)
    finally:
        plt.close(fig)


def bin_count(n: int) -> int:
    """Histogram bins for ``n`` values: about the square root, between 5 and 40."""
    return max(5, min(40, math.ceil(math.sqrt(max(n, 1)))))


def _finite(values: Sequence[float]) -> list[float]:
    return [v for v in values if math.isfinite(v)]


def histogram(path: Path, name: str, passed: Sequence[float], failed: Sequence[float]) -> bool:
    """The distribution of one figure, stacked: passed runs and the others; False when no value is finite."""
    passed, failed = _finite(passed), _finite(failed)
    values = [*passed, *failed]
    if not values:
        return False
    low, high = min(values), max(values)
    span = (low - 0.5, high + 0.5) if low == high else (low, high)
    with _axes(path, f"{name}: {len(values)} runs") as ax:
        ax.hist([list(passed), list(failed)], bins=bin_count(len(values)), range=span, stacked=True,
                color=[PASSED_STYLE["color"], FAILED_STYLE["color"]],
                label=[PASSED_STYLE["label"], FAILED_STYLE["label"]])
        ax.set_xlabel(name)
        ax.set_ylabel("runs")
        ax.legend(loc="best", fontsize=8)
    return True


def scatter(path: Path, figure: str, parameter: str, points: Sequence[tuple[float, float, bool]]) -> None:
    """One figure against one numeric dispersed parameter, one point per run; failures as red crosses."""
    with _axes(path, f"{figure} against {parameter}") as ax:
        for style, ok in ((PASSED_STYLE, True), (FAILED_STYLE, False)):
            xs = [x for x, _, p in points if bool(p) is ok]
            ys = [y for _, y, p in points if bool(p) is ok]
            if xs:
                ax.scatter(xs, ys, s=18, alpha=0.8, **style)
        ax.set_xlabel(parameter)
        ax.set_ylabel(figure)
        ax.legend(loc="best", fontsize=8)


def strip(path: Path, figure: str, parameter: str, points: Sequence[tuple[str, float, bool]]) -> None:
    """One figure against one choice dispersion: a column of points per choice, spread sideways deterministically."""
    labels = sorted({label for label, _, _ in points})
    where = {label: i for i, label in enumerate(labels)}
    with _axes(path, f"{figure} against {parameter}") as ax:
        for style, ok in ((PASSED_STYLE, True), (FAILED_STYLE, False)):
            chosen = [(i, label, y) for i, (label, y, p) in enumerate(points) if bool(p) is ok]
            if chosen:
                xs = [where[label] + ((i * GOLDEN) % 1 - 0.5) * 0.5 for i, label, _ in chosen]
                ax.scatter(xs, [y for _, _, y in chosen], s=18, alpha=0.8, **style)
        ax.set_xticks(range(len(labels)), labels, rotation=20 if len(labels) > 4 else 0, fontsize=8)
        ax.set_xlim(-0.6, len(labels) - 0.4)
        ax.set_xlabel(parameter)
        ax.set_ylabel(figure)
        ax.legend(loc="best", fontsize=8)


def pass_rates(path: Path, rates: Sequence[tuple[str, float, float, float]]) -> None:
    """Each expectation's pass rate (name, rate, low, high) as a bar with its 95 % interval."""
    height = max(2.2, 0.45 * len(rates) + 1.2)
    with _axes(path, "Pass rate with 95 % Wilson interval", size=(8.0, height)) as ax:
        ys = list(range(len(rates)))[::-1]
        ax.barh(ys, [r for _, r, _, _ in rates], color="tab:blue", alpha=0.7)
        ax.errorbar([r for _, r, _, _ in rates], ys, fmt="none", ecolor="black", capsize=4,
                    xerr=[[r - lo for _, r, lo, _ in rates], [hi - r for _, r, _, hi in rates]])
        ax.set_yticks(ys, [name for name, _, _, _ in rates], fontsize=8)
        ax.set_xlim(0, 1.02)
        ax.set_xlabel("pass rate")
