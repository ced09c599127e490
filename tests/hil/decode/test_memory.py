"""The decode's allocator settings: applied where glibc is, harmless elsewhere, Arrow's before pyarrow loads."""

import json
import os
import platform
import subprocess
import sys

PROBE = """
import json, os
from hil.decode.memory import keep_freed_memory
print(json.dumps([keep_freed_memory(), os.environ.get("MIMALLOC_PURGE_DELAY")]))
"""


def probe(purge_delay: str | None) -> list[object]:
    """What ``keep_freed_memory`` returns and leaves for mimalloc, in a fresh interpreter whose environment has
    ``MIMALLOC_PURGE_DELAY`` as given (None: unset)."""
    env = {k: v for k, v in os.environ.items() if k != "MIMALLOC_PURGE_DELAY"}
    if purge_delay is not None:
        env["MIMALLOC_PURGE_DELAY"] = purge_delay
    done = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=60,
                          check=True)
    return json.loads(done.stdout)


def test_glibc_and_arrow_keep_freed_blocks_for_the_next_step() -> None:
    glibc = sys.platform.startswith("linux") and platform.libc_ver()[0] == "glibc"
    assert probe(None) == [glibc, "-1"]


def test_a_users_own_mimalloc_setting_stands() -> None:
    assert probe("25")[1] == "25"
