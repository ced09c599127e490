"""`farside plot`: a PNG of chosen parameters from a packet file, with clear errors."""

from pathlib import Path

import pytest

from hil.cli import main
from protocols.dictionary import default_dictionary

SAMPLER = default_dictionary().device("sampler")


def _stream(path: Path) -> None:
    codec = SAMPLER.hk_codec("drill")
    packets = []
    for i in range(600):
        values = [next(iter(SAMPLER.parameter(p).enum)) if SAMPLER.parameter(p).enum else 0.0
                  for p in codec_names()]
        values[codec_names().index("drill_depth")] = min(2.0, i / 300)
        packets.append(codec.encode(values, i, i, 2_100_000_000 * 10**9 + i * 10**9))
    path.write_bytes(b"".join(packets))


def codec_names() -> tuple[str, ...]:
    return SAMPLER.hk_set("drill").parameters


def test_plot_writes_a_png(tmp_path: Path) -> None:
    stream = tmp_path / "drill.bin"
    _stream(stream)
    out = tmp_path / "depth.png"
    assert main(["plot", str(stream), "--param", "sampler.drill_depth", "--param", "sampler.drill_torque",
                 "-o", str(out)]) == 0
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and out.stat().st_size > 10_000


@pytest.mark.parametrize("argv,fragment", [
    (["--param", "sampler.nope"], "sampler parameters:"),
    (["--param", "drill_depth"], "DEVICE.PARAMETER"),
    (["--param", "ascender.altitude"], "none of ascender.altitude is reported"),
])
def test_plot_errors_are_one_line(argv: list[str], fragment: str, tmp_path: Path,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    stream = tmp_path / "drill.bin"
    _stream(stream)
    assert main(["plot", str(stream), *argv, "-o", str(tmp_path / "x.png")]) == 2
    err = capsys.readouterr().err
    assert fragment in err and "Traceback" not in err


def test_an_enumerated_parameter_is_drawn_as_steps_between_its_states(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    import matplotlib

    monkeypatch.setitem(matplotlib.rcParams, "svg.fonttype", "none")  # labels as text, to be read back
    codec = SAMPLER.hk_codec("drill")
    names = codec_names()
    states = ["stowed", "drilling", "holding", "drilling"]
    packets = []
    for i, state in enumerate(states):
        values = [next(iter(SAMPLER.parameter(p).enum)) if SAMPLER.parameter(p).enum else 0.0 for p in names]
        values[names.index("drill_state")] = state
        packets.append(codec.encode(values, i, i, 2_100_000_000 * 10**9 + i * 600 * 10**9))
    stream = tmp_path / "states.bin"
    stream.write_bytes(b"".join(packets))
    out = tmp_path / "states.svg"
    assert main(["plot", str(stream), "--param", "sampler.drill_state", "-o", str(out)]) == 0
    svg = out.read_text()
    assert all(f">{state}<" in svg for state in ("stowed", "drilling", "holding"))
    assert ">retracting<" not in svg  # only the states the parameter took


@pytest.mark.parametrize("name", ["noext", "plot.txt"])
def test_an_output_without_an_image_suffix_is_refused(name: str, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    stream = tmp_path / "drill.bin"
    _stream(stream)
    assert main(["plot", str(stream), "--param", "sampler.drill_depth", "-o", str(tmp_path / name)]) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and ".png" in err and ".svg" in err and "Traceback" not in err
    assert [p.name for p in tmp_path.iterdir()] == ["drill.bin"]


def test_an_unwritable_output_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    stream = tmp_path / "drill.bin"
    _stream(stream)
    target = tmp_path / "missing" / "p.png"
    assert main(["plot", str(stream), "--param", "sampler.drill_depth", "-o", str(target)]) == 2
    assert capsys.readouterr().err == f"farside: error: cannot write {target}: No such file or directory\n"


def test_a_torn_recording_is_the_readers_own_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from hil.recording.writer import Recorder

    path = tmp_path / "run.pcapng"
    with Recorder().open(path, {"pad": "x" * 200}):
        pass
    torn = tmp_path / "torn.pcapng"
    torn.write_bytes(path.read_bytes()[:30])
    assert main(["plot", str(torn), "--param", "sampler.drill_depth", "-o", str(tmp_path / "p.png")]) == 2
    err = capsys.readouterr().err
    assert "nothing recognised" in err and "None" not in err and len(err.splitlines()) == 1
