"""Recording again to the same path never pulls the file from under a reader of the old one (no SIGBUS)."""

import hashlib
import subprocess
import sys
from pathlib import Path

from hil.cli import main
from hil.decode.split import read_buffer
from hil.recording.writer import Recorder

SHORT = Path(__file__).with_name("short.toml").read_text()
READER = """
import hashlib, sys
from hil.decode.split import read_buffer
buffer = read_buffer(sys.argv[1])  # a recording is mapped into memory, not copied
print("mapped", flush=True)
sys.stdin.readline()
print(len(buffer), hashlib.sha256(buffer.data.tobytes()).hexdigest(), flush=True)
"""


def _record(scenario: Path, record: Path, seed: int) -> None:
    assert main(["run", str(scenario), "--quiet", "--json", "--seed", str(seed), "--record", str(record)]) == 0


def test_a_reader_of_the_old_recording_keeps_its_octets(tmp_path: Path, capsys) -> None:
    scenario, record = tmp_path / "short.toml", tmp_path / "rec.pcapng"
    scenario.write_text(SHORT)
    _record(scenario, record, seed=9)
    record.chmod(0o640)
    before = read_buffer(record)
    expected = f"{len(before)} {hashlib.sha256(before.data.tobytes()).hexdigest()}"
    reader = subprocess.Popen([sys.executable, "-c", READER, str(record)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    assert reader.stdout is not None and reader.stdout.readline() == "mapped\n"
    Recorder().open(record, {"start_utc": "2024-06-01T22:23:00Z"}).close()  # a new, nearly empty recording
    out, _ = reader.communicate("go\n", timeout=60)
    assert (reader.returncode, out.strip()) == (0, expected)  # not killed by SIGBUS (-7), the old octets intact
    assert len(read_buffer(record)) == 0 and record.stat().st_mode & 0o777 == 0o640
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".new")] == []
    capsys.readouterr()


def test_a_new_recording_through_a_symbolic_link_is_written_in_place(tmp_path: Path) -> None:
    target = tmp_path / "target.pcapng"
    target.write_bytes(b"old")
    link = tmp_path / "link.pcapng"
    link.symlink_to(target)
    Recorder().open(link, {}).close()
    assert link.is_symlink() and target.read_bytes()[:4] == b"\x0a\x0d\x0d\x0a"  # the section header block
