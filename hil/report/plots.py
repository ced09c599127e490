"""Time plots of chosen telemetry, with units and phase markers (matplotlib, no display needed)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from firmware_sim.fsw.telemetry import Series

NS_PER_H = 3600e9


@dataclass(frozen=True)
class PlotSpec:
    """One PNG: a title, its file name, and the series (``device.parameter``) drawn on it."""

    title: str
    filename: str
    series: tuple[str, ...]


KEY_PLOTS = (
    PlotSpec("Drill depth and torque", "drill.png", ("sampler.drill_depth", "sampler.drill_torque")),
    PlotSpec("Sample mass", "sample_mass.png",
             ("sampler.core_mass", "sampler.surface_container_mass", "sampler.sealed_sample_mass")),
    PlotSpec("Ascent: altitude and velocity", "ascent.png", ("ascender.altitude", "ascender.velocity")),
)
"""The plots `farside run --report` writes."""


def active_span(series: Sequence[Series], margin: float = 0.1) -> tuple[int, int]:
    """The time span in which any series changes (with a margin), or the whole span if nothing changes."""
    first = min(s.times[0] for s in series)
    last = max(s.times[-1] for s in series)
    changes = [t for s in series for t, a, b in zip(s.times[1:], s.values, s.values[1:], strict=False) if a != b]
    if not changes:
        return first, last
    begin, end = min(changes), max(changes)
    pad = max(int((end - begin) * margin), 60 * 10**9)
    return max(first, begin - pad), min(last, end + pad)


def image_formats() -> list[str]:
    """The file suffixes (without the dot, lower case) a plot can be written as, each naming its format."""
    from matplotlib.backend_bases import FigureCanvasBase

    return sorted(FigureCanvasBase.get_supported_filetypes())


def state_levels(values: Sequence[object], states: Sequence[str] = ()) -> list[str] | None:
    """The states an enumerated series takes, in ``states`` order (then as first seen), or None when it is numeric."""
    if not any(isinstance(v, str) for v in values):
        return None
    seen = dict.fromkeys(str(v) for v in values)
    return [s for s in states if s in seen] + [s for s in seen if s not in states]


def plot_series(path: Path, title: str, series: Sequence[tuple[str, str, Series]],
                phases: Sequence[tuple[str, int]] = (), zoom_to_data: bool = True,
                xlabel: str = "virtual time since T0 [h]", states: Mapping[str, Sequence[str]] | None = None) -> bool:
    """Write one image (its format by ``path``'s suffix) with one panel per series (label, unit, data); False when
    there is nothing to plot.

    With ``zoom_to_data`` the time axis covers only where the values change (a 6-minute ascent at the end of
    a 49-hour mission stays readable); phase markers outside that span are left out. A series of enumeration
    labels is drawn as steps between its states, named on the value axis in the order ``states`` gives them
    (by series label; e.g. the dictionary's).
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    drawn = [(label, unit, s) for label, unit, s in series if s.times]
    if not drawn:
        return False
    fig, axes = plt.subplots(len(drawn), 1, figsize=(10, 2.6 * len(drawn) + 0.8), sharex=True, squeeze=False)
    start, stop = active_span([s for _, _, s in drawn]) if zoom_to_data else (
        min(s.times[0] for _, _, s in drawn), max(s.times[-1] for _, _, s in drawn))
    for ax, (label, unit, s) in zip(axes[:, 0], drawn, strict=True):
        hours = [t / NS_PER_H for t in s.times]
        levels = state_levels(s.values, (states or {}).get(label, ()))
        if levels is None:
            ax.plot(hours, [v if isinstance(v, int | float) else float("nan") for v in s.values], linewidth=1.0)
        else:
            level = {name: k for k, name in enumerate(levels)}
            ax.step(hours, [level[str(v)] for v in s.values], where="post", linewidth=1.0)
            ax.set_yticks(range(len(levels)), levels)
            ax.set_ylim(-0.5, len(levels) - 0.5)
        ax.set_xlim(start / NS_PER_H, stop / NS_PER_H)
        ax.set_ylabel(f"{label}\n[{unit}]" if unit else label)
        ax.grid(True, alpha=0.3)
        for _, at in phases:
            if not zoom_to_data or start <= at <= stop:
                ax.axvline(at / NS_PER_H, color="grey", linestyle=":", linewidth=0.8)
    top = axes[0, 0]
    for name, at in phases:
        if not zoom_to_data or start <= at <= stop:
            top.annotate(name, (at / NS_PER_H, 1.0), xycoords=("data", "axes fraction"), rotation=30,
                         fontsize=7, va="bottom")
    axes[-1, 0].set_xlabel(xlabel)
    fig.suptitle(title, y=0.995)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True
