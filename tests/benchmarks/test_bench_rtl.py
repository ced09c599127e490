"""Benchmark: RTL co-simulation speed of hil/rtl/asm_deframer.v under its cocotb testbench (Icarus Verilog).

Run with `pytest tests/benchmarks/test_bench_rtl.py -s` (or `python tests/benchmarks/test_bench_rtl.py`);
about 15 s. Two cocotb tests run in one simulator process on one build:

* ``clock_only`` — the baseline: the clock runs and the DUT idles with no Python woken per clock (the
  simulator's own speed on this design);
* ``random_traffic`` — the real testbench: random traffic with gaps on s_valid and backpressure on m_ready,
  source, monitor and scoreboard (protocols.framing.asm.AsmDeframer) in Python.

Figures are clocks per wall second; the ratio testbench / baseline is the cost of the Python testbench.
The octets per second through the RTL testbench are also set against the Python golden model alone
(AsmDeframer.feed on the same kind of traffic, in 64-octet chunks, in this process). Never asserts timing.
"""

from __future__ import annotations

import importlib
import json
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from protocols.framing.asm import AsmDeframer

RTL_TESTS_DIR = Path(__file__).resolve().parent.parent / "rtl"
SEGMENTS = 2000
SEED = 20_240_701
CHUNK = 64
ROUNDS = 5


def _model_rate(tb: Any, max_packet: int, segments: int) -> tuple[float, int]:
    """Octets per second of the Python model alone on random traffic, best of ROUNDS; and the octet count."""
    stream = tb.Traffic(np.random.default_rng(SEED), max_packet).batch(segments)
    best = float("inf")
    for _ in range(ROUNDS):
        model = AsmDeframer(max_packet)
        start = time.perf_counter()
        for at in range(0, len(stream), CHUNK):
            model.feed(stream[at:at + CHUNK])
        best = min(best, time.perf_counter() - start)
    return len(stream) / best, len(stream)


def run(work_dir: Path, segments: int = SEGMENTS) -> dict[str, dict[str, float]]:
    """Run both cocotb tests and the model alone; return the figures by name (tests/rtl must be on sys.path)."""
    rtl_sim = importlib.import_module("rtl_sim")
    tb = importlib.import_module("asm_deframer_tb")
    problem = rtl_sim.icarus_missing()
    if problem:
        raise RuntimeError(problem)
    figures_file = work_dir / "figures.jsonl"
    outcomes, _ = rtl_sim.run_cocotb(
        "asm_deframer", "asm_deframer_tb", work_dir,
        testcases=("clock_only", "random_traffic"),
        seed=SEED,
        extra_env={tb.FIGURES_ENV: str(figures_file), tb.SEGMENTS_ENV: str(segments)},
    )
    failed = {name: text for name, text in outcomes.items() if text is not None}
    if failed or not figures_file.is_file():
        raise RuntimeError(f"cocotb tests failed: {failed or outcomes}")
    figures = {row["test"]: row for row in map(json.loads, figures_file.read_text(encoding="utf-8").splitlines())}
    for row in figures.values():
        row["clocks_per_s"] = row["cycles"] / row["wall_s"]
        row["octets_per_s"] = row["octets"] / row["wall_s"]
    rate, octets = _model_rate(tb, 1024, segments)
    figures["model"] = {"octets_per_s": rate, "octets": octets}
    return figures


def report(figures: dict[str, dict[str, float]]) -> str:
    """A table of rates and ratios."""
    base, bench, model = figures["clock_only"], figures["random_traffic"], figures["model"]
    return "\n".join([
        "asm_deframer (MAX_PACKET 1024) under Icarus Verilog + cocotb",
        f"{'run':<44}{'clocks':>12}{'wall s':>9}{'clocks/s':>12}{'octets/s':>12}",
        f"{'baseline: clock only, DUT idle':<44}{base['cycles']:>12,.0f}{base['wall_s']:>9.2f}"
        f"{base['clocks_per_s']:>12,.0f}{'':>12}",
        f"{'testbench: random_traffic':<44}{bench['cycles']:>12,.0f}{bench['wall_s']:>9.2f}"
        f"{bench['clocks_per_s']:>12,.0f}{bench['octets_per_s']:>12,.0f}",
        f"{'Python model alone (AsmDeframer.feed)':<44}{'':>12}{'':>9}{'':>12}{model['octets_per_s']:>12,.0f}",
        f"testbench / baseline clocks/s: {bench['clocks_per_s'] / base['clocks_per_s']:.3f}×; "
        f"RTL testbench / model octets/s: {bench['octets_per_s'] / model['octets_per_s']:.4f}×; "
        f"{bench['cycles'] / bench['octets']:.2f} clocks per octet in the testbench",
    ])


def test_rtl_simulation_speed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Print the figures; never asserted on timing."""
    # The runner hands this process's sys.path to the simulator's Python as PYTHONPATH.
    monkeypatch.syspath_prepend(str(RTL_TESTS_DIR))
    print("\n" + report(run(tmp_path)))


if __name__ == "__main__":
    raise SystemExit(pytest.main([__file__, "-q", "-s", "-p", "no:cacheprovider"]))
