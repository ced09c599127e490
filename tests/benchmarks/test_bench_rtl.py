"""Benchmark: RTL co-simulation speed under Icarus Verilog + cocotb — testbenches, and RTL in the loop.

Run with `pytest tests/benchmarks/test_bench_rtl.py -s` (or `python tests/benchmarks/test_bench_rtl.py`);
about a minute. Three parts, each compared against a baseline measured in the same run:

1. ``asm_deframer`` under its testbench: ``clock_only`` (the clock runs, the DUT idles, no Python woken per
   clock: the simulator's own speed on this design) against ``random_traffic`` (source, monitor, scoreboard with
   protocols.framing.asm.AsmDeframer in Python); octets per second also against the Python model alone.
2. ``cltu_decoder`` the same way (``CltuDecoder`` as the model).
3. RTL in the loop: the bench with the sampler's device link through ``asm_deframer`` (hil.cosim.RtlLoop), a
   ping a second with housekeeping flowing, for the same virtual span as the pure-model bench running the same
   scenario; at 100 and 1000 RTL clocks per bench cycle, and with the clock gated over idle spans. Figures: RTL
   clocks per wall second in the loop, speed against real time, and the loop's wall time over the pure model's.

Never asserts timing.
"""

from __future__ import annotations

import importlib
import json
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from firmware_sim.bench import Bench
from firmware_sim.fsw.telemetry import Verification
from firmware_sim.scenario.model import BenchSettings
from protocols.framing.asm import AsmDeframer
from protocols.spacelink.cltu import CltuDecoder

RTL_TESTS_DIR = Path(__file__).resolve().parent.parent / "rtl"
SEGMENTS = 2000
CLTU_SEGMENTS = 1000
SEED = 20_240_701
CHUNK = 64
ROUNDS = 5
LOOP_SPAN_S = 5.0
LOOP_RUNS = (("100 clocks/cycle", 100, False), ("1000 clocks/cycle", 1000, False), ("100, gated clock", 100, True))

Figures = dict[str, dict[str, Any]]


def _model_rate(feed: Any, stream: bytes) -> float:
    """Octets per second of a Python model's feed() on ``stream`` in CHUNK-octet pieces, best of ROUNDS."""
    best = float("inf")
    for _ in range(ROUNDS):
        model_feed = feed()
        start = time.perf_counter()
        for at in range(0, len(stream), CHUNK):
            model_feed(stream[at:at + CHUNK])
        best = min(best, time.perf_counter() - start)
    return len(stream) / best


def _cocotb(toplevel: str, tb_module: str, work_dir: Path, testcases: tuple[str, ...],
            env: dict[str, str], figures_env: str) -> list[dict[str, Any]]:
    """Run cocotb tests in one simulator; the rows they wrote to their figures file."""
    rtl_sim = importlib.import_module("rtl_sim")
    problem = rtl_sim.icarus_missing()
    if problem:
        raise RuntimeError(problem)
    work_dir.mkdir(parents=True, exist_ok=True)
    figures_file = work_dir / "figures.jsonl"
    outcomes, _ = rtl_sim.run_cocotb(toplevel, tb_module, work_dir, testcases=testcases, seed=SEED,
                                     extra_env={figures_env: str(figures_file), **env})
    failed = {name: text for name, text in outcomes.items() if text is not None}
    if failed or not figures_file.is_file():
        raise RuntimeError(f"cocotb tests failed: {failed or outcomes}")
    return [json.loads(line) for line in figures_file.read_text(encoding="utf-8").splitlines()]


def _testbench(toplevel: str, tb_module: str, work_dir: Path, segments: int, model: Any, max_packet: int = 1024
               ) -> Figures:
    """clock_only and random_traffic of one block's testbench, and its Python model alone on the same traffic."""
    tb = importlib.import_module(tb_module)
    rows = _cocotb(toplevel, tb_module, work_dir, ("clock_only", "random_traffic"),
                   {tb.SEGMENTS_ENV: str(segments)}, tb.FIGURES_ENV)
    figures = {row["test"]: row for row in rows}
    for row in figures.values():
        row["clocks_per_s"] = row["cycles"] / row["wall_s"]
        row["octets_per_s"] = row["octets"] / row["wall_s"]
    rng = np.random.default_rng(SEED)
    traffic = tb.Traffic(rng, max_packet) if toplevel == "asm_deframer" else tb.Traffic(rng, False)
    figures["model"] = {"octets_per_s": _model_rate(model, traffic.batch(segments))}
    return figures


def run(work_dir: Path, segments: int = SEGMENTS) -> Figures:
    """Part 1: the asm_deframer testbench (tests/rtl must be on sys.path)."""
    return _testbench("asm_deframer", "asm_deframer_tb", work_dir, segments,
                      lambda: AsmDeframer(1024).feed)


def run_cltu(work_dir: Path, segments: int = CLTU_SEGMENTS) -> Figures:
    """Part 2: the cltu_decoder testbench."""
    return _testbench("cltu_decoder", "cltu_decoder_tb", work_dir, segments, lambda: CltuDecoder().feed)


def pure_model_wall_s(span_s: float) -> tuple[float, int]:
    """Wall seconds of the pure-model bench running the loop's scenario over ``span_s``, best of ROUNDS."""
    loop_tb = importlib.import_module("loop_tb")
    best, commands = float("inf"), 0
    for _ in range(ROUNDS):
        bench = Bench(BenchSettings(), seed=loop_tb.SEED)
        records: list[Verification] = []
        start = time.perf_counter()
        for seconds in loop_tb.housekeeping_scenario(bench, span_s, records):
            bench.run(seconds=seconds)
        best = min(best, time.perf_counter() - start)
        assert all(r.completed for r in records)
        commands = len(records)
    return best, commands


def run_loop(work_dir: Path, span_s: float = LOOP_SPAN_S) -> Figures:
    """Part 3: the housekeeping scenario in the loop at each setting of LOOP_RUNS, and in the pure-model bench."""
    loop_tb = importlib.import_module("loop_tb")
    figures: Figures = {}
    for index, (name, clocks, gated) in enumerate(LOOP_RUNS):
        env = {loop_tb.SPAN_ENV: str(span_s), loop_tb.CLOCKS_ENV: str(clocks), loop_tb.GATED_ENV: "1" if gated else "0"}
        (row,) = _cocotb("asm_deframer", "loop_tb", work_dir / f"loop{index}", ("housekeeping_span",), env,
                         loop_tb.FIGURES_ENV)
        figures[name] = row
    wall, commands = pure_model_wall_s(span_s)
    figures["pure model"] = {"virtual_s": span_s, "loop_wall_s": wall, "commands": commands}
    return figures


def report(figures: Figures, name: str = "asm_deframer (MAX_PACKET 1024)") -> str:
    """Parts 1 and 2: a table of rates and ratios."""
    base, bench, model = figures["clock_only"], figures["random_traffic"], figures["model"]
    return "\n".join([
        f"{name} under Icarus Verilog + cocotb",
        f"{'run':<44}{'clocks':>12}{'wall s':>9}{'clocks/s':>12}{'octets/s':>12}",
        f"{'baseline: clock only, DUT idle':<44}{base['cycles']:>12,.0f}{base['wall_s']:>9.2f}"
        f"{base['clocks_per_s']:>12,.0f}{'':>12}",
        f"{'testbench: random_traffic':<44}{bench['cycles']:>12,.0f}{bench['wall_s']:>9.2f}"
        f"{bench['clocks_per_s']:>12,.0f}{bench['octets_per_s']:>12,.0f}",
        f"{'Python model alone (feed)':<44}{'':>12}{'':>9}{'':>12}{model['octets_per_s']:>12,.0f}",
        f"testbench / baseline clocks/s: {bench['clocks_per_s'] / base['clocks_per_s']:.3f}×; "
        f"RTL testbench / model octets/s: {bench['octets_per_s'] / model['octets_per_s']:.4f}×; "
        f"{bench['cycles'] / bench['octets']:.2f} clocks per octet in the testbench",
    ])


def report_loop(figures: Figures) -> str:
    """Part 3: RTL clocks per second in the loop, speed, and cost against the pure-model bench."""
    pure = figures["pure model"]
    lines = [
        f"RTL in the loop: sampler link through asm_deframer, a ping a second, {pure['virtual_s']:g} virtual s "
        f"({pure['commands']} commands)",
        f"{'run':<22}{'RTL clocks':>12}{'bench steps':>13}{'wall s':>9}{'clocks/s':>12}{'× real time':>13}"
        f"{'wall / pure':>13}",
    ]
    for name, row in figures.items():
        if name == "pure model":
            continue
        wall = row["loop_wall_s"]
        lines.append(f"{name:<22}{row['rtl_clocks']:>12,}{row['bench_steps']:>13,}{wall:>9.2f}"
                     f"{row['rtl_clocks'] / wall:>12,.0f}{row['virtual_s'] / wall:>13,.1f}"
                     f"{wall / pure['loop_wall_s']:>13,.0f}")
    lines.append(f"{'pure model (Bench.run)':<22}{'':>12}{'':>13}{pure['loop_wall_s']:>9.4f}{'':>12}"
                 f"{pure['virtual_s'] / pure['loop_wall_s']:>13,.0f}{1:>13}")
    return "\n".join(lines)


def test_rtl_simulation_speed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Print the figures; never asserted on timing."""
    # The runner hands this process's sys.path to the simulator's Python as PYTHONPATH.
    monkeypatch.syspath_prepend(str(RTL_TESTS_DIR))
    print("\n" + report(run(tmp_path / "asm")))
    print("\n" + report(run_cltu(tmp_path / "cltu"), "cltu_decoder (RANDOMIZED 0)"))
    print("\n" + report_loop(run_loop(tmp_path / "loop")))


if __name__ == "__main__":
    raise SystemExit(pytest.main([__file__, "-q", "-s", "-p", "no:cacheprovider"]))
