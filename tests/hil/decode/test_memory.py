"""The decode's allocator setting: applied where glibc is, harmless elsewhere."""

import platform
import subprocess
import sys

PROBE = "from hil.decode.memory import keep_freed_memory; print(keep_freed_memory())"


def test_glibc_keeps_freed_blocks_for_the_next_step() -> None:
    applied = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=60, check=True)
    assert applied.stdout.strip() == str(sys.platform.startswith("linux") and platform.libc_ver()[0] == "glibc")
