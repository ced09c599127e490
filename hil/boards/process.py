"""One ``qemu-system-arm`` process: started in its own process group with its UARTs on loopback sockets, reaped."""

from __future__ import annotations

import contextlib
import ctypes
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

from hil.boards.errors import BoardError

QEMU = "qemu-system-arm"
CONNECT_TIMEOUT_S = 10.0
"""How long QEMU may take to connect its UARTs after it starts."""
STOP_GRACE_S = 3.0
"""How long QEMU gets to exit after SIGTERM before it is killed."""
STDERR_KEPT = 4000
"""Octets of QEMU's stderr quoted when it fails."""
PR_SET_PDEATHSIG = 1
ELF_MAGIC = b"\x7fELF"
EM_ARM = 40

Exited = Callable[[int], None]


def qemu_binary() -> str:
    """The path of ``qemu-system-arm``; BoardError saying how to install it when it is not on PATH."""
    found = shutil.which(QEMU)
    if found is None:
        raise BoardError(f"{QEMU} is not installed (not on PATH); install it, e.g. apt-get install qemu-system-arm")
    return found


def check_kernel(path: Path) -> None:
    """Refuse a kernel that is missing, unreadable, or not a 32-bit Arm ELF, before QEMU is started."""
    try:
        with path.open("rb") as file:
            header = file.read(20)
    except OSError as exc:
        raise BoardError(f"kernel {path}: {exc.strerror or exc}") from None
    if header[:4] != ELF_MAGIC:
        raise BoardError(f"kernel {path}: not an ELF file")
    if header[4] != 1 or int.from_bytes(header[18:20], "little" if header[5] == 1 else "big") != EM_ARM:
        raise BoardError(f"kernel {path}: not a 32-bit Arm ELF (build it for the board's Cortex-M)")


def describe_status(code: int) -> str:
    """``status 1`` or ``killed by SIGKILL``."""
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"status {code}"


def _die_with_parent() -> None:
    """In the child before exec: be killed when farside dies, even by SIGKILL (Linux)."""
    with contextlib.suppress(Exception):
        ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


class QemuProcess:
    """``qemu-system-arm`` running ``kernel`` on ``machine``; ``sockets`` are the UARTs wired (index → socket).

    Each wired UART is a Unix socket farside listens on and QEMU connects to as a client chardev before the guest
    runs, so nothing the board sends at start-up is lost. ``stop()`` ends the process group (SIGTERM, then
    SIGKILL) and reaps it; ``on_exit(code)`` is called once from a thread when QEMU exits on its own.
    """

    def __init__(self, machine: str, kernel: Path, wired: tuple[int, ...], extra: tuple[str, ...] = ()) -> None:
        binary = qemu_binary()
        check_kernel(kernel)
        self.on_exit: Exited | None = None
        self.returncode: int | None = None
        self.stopping = False
        self._dir = Path(tempfile.mkdtemp(prefix="farside-qemu-"))
        listeners = {index: self._listen(index) for index in wired}
        serial: list[str] = []
        for index in range(max(wired) + 1 if wired else 0):
            if index in listeners:
                serial += ["-chardev", f"socket,id=uart{index},path={self._dir / f'uart{index}.sock'}",
                           "-serial", f"chardev:uart{index}"]
            else:
                serial += ["-serial", "null"]
        self.command = [binary, "-M", machine, "-nographic", "-monitor", "none", "-kernel", str(kernel), *serial,
                        *extra]
        self._stderr = (self._dir / "stderr.txt").open("w+b")
        try:
            self._process = subprocess.Popen(self.command, stdin=subprocess.DEVNULL, stdout=self._stderr,
                                             stderr=self._stderr, start_new_session=True,
                                             preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None)
        except OSError as exc:
            self._cleanup(listeners)
            raise BoardError(f"cannot start {binary}: {exc.strerror or exc}") from None
        self.pid = self._process.pid
        try:
            self.sockets = {index: self._accept(index, listener) for index, listener in listeners.items()}
        except BoardError:
            self.stop()
            self._cleanup(listeners)
            raise
        self._cleanup(listeners)
        self._reaper = threading.Thread(target=self._reap, name=f"qemu-{self.pid}-reaper", daemon=True)
        self._reaper.start()

    def _listen(self, index: int) -> socket.socket:
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(str(self._dir / f"uart{index}.sock"))
        listener.listen(1)
        listener.settimeout(0.05)
        return listener

    def _accept(self, index: int, listener: socket.socket) -> socket.socket:
        deadline = time.monotonic() + CONNECT_TIMEOUT_S
        while time.monotonic() < deadline:
            try:
                sock, _ = listener.accept()
            except TimeoutError:
                if self._process.poll() is not None:
                    raise BoardError(f"QEMU exited at start-up ({describe_status(self._process.returncode)}): "
                                     f"{self.stderr_tail() or 'no message'}") from None
                continue
            sock.setblocking(False)
            return sock
        raise BoardError(f"QEMU did not connect UART{index} within {CONNECT_TIMEOUT_S:.0f} s")

    @staticmethod
    def _cleanup(listeners: dict[int, socket.socket]) -> None:
        for listener in listeners.values():
            listener.close()

    def _reap(self) -> None:
        code = self._process.wait()
        self.returncode = code
        if not self.stopping and self.on_exit is not None:
            self.on_exit(code)

    def stderr_tail(self) -> str:
        """The end of what QEMU wrote on stderr, on one line."""
        with contextlib.suppress(OSError, ValueError):
            self._stderr.flush()
            size = os.fstat(self._stderr.fileno()).st_size
            text = os.pread(self._stderr.fileno(), STDERR_KEPT, max(0, size - STDERR_KEPT))
            return " / ".join(line.strip() for line in text.decode("utf-8", "replace").splitlines() if line.strip())
        return ""

    def stop(self) -> None:
        """End QEMU's process group (SIGTERM, then SIGKILL after a grace), reap it, remove its sockets; idempotent."""
        self.stopping = True
        process = self._process
        if process.poll() is None:
            self._signal(signal.SIGTERM)
            try:
                process.wait(STOP_GRACE_S)
            except subprocess.TimeoutExpired:
                self._signal(signal.SIGKILL)
                process.wait()
        self.returncode = process.returncode
        for sock in getattr(self, "sockets", {}).values():
            sock.close()
        with contextlib.suppress(OSError):
            self._stderr.close()
        shutil.rmtree(self._dir, ignore_errors=True)

    def _signal(self, number: int) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.pid, number)
