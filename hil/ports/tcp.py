"""``tcp://HOST:PORT?listen`` (one client at a time) and ``tcp://HOST:PORT`` (dial, redial every ``retry_s``)."""

from __future__ import annotations

import errno
import os
import selectors
import socket
import time

from hil.errors import TransportError
from hil.ports.base import OnChange, PortBase, describe, drain
from hil.ports.net import bound_socket, exposure, format_address, resolve, send_flags, tune_stream

BACKLOG = 4
CONNECT_TIMEOUT_S = 5.0
"""A dial still pending after this long is abandoned and retried."""
_PENDING = (errno.EINPROGRESS, errno.EWOULDBLOCK, errno.EALREADY, getattr(errno, "WSAEWOULDBLOCK", -1))


def _writable_now(sock: socket.socket) -> bool:
    with selectors.DefaultSelector() as selector:
        selector.register(sock, selectors.EVENT_WRITE)
        return bool(selector.select(0))


class TcpListenPort(PortBase):
    """Listens on HOST:PORT; up while one client is connected. A second client is accepted and closed at once.

    Turning newcomers away (counted in ``stats.refused``) keeps an established link from being stolen by a stray
    connection; a client that crashed is noticed (end of stream, reset or keepalive) and its successor let in.
    """

    kind = "tcp-listen"

    def __init__(self, url: str, name: str, on_change: OnChange | None = None, *, host: str, port: int) -> None:
        super().__init__(url, name, on_change)
        family, address = resolve(host, port, socket.SOCK_STREAM, url)
        self._listener: socket.socket | None = bound_socket(family, socket.SOCK_STREAM, address, url)
        try:
            self._listener.listen(BACKLOG)
        except OSError as exc:
            self._listener.close()
            raise TransportError(f"{url}: cannot listen: {describe(exc)}") from None
        self.endpoint = format_address(self._listener.getsockname())
        self.exposure = exposure("listens on", self._listener.getsockname())
        self._client: socket.socket | None = None
        self.peer = ""
        self.reason = f"listening on {self.endpoint}"

    def fileno(self) -> int | None:
        """The client while one is connected, else the listening socket (readable when a client arrives)."""
        if self._client is not None:
            return self._client.fileno()
        return self._listener.fileno() if self._listener is not None else None

    def service(self) -> bytes:
        """Read the client (noticing it leave), then accept a waiting client or turn it away."""
        data = b""
        if self._client is not None:
            data, gone = drain(self._client.recv)
            self.stats.octets_in += len(data)
            if gone is not None:
                self._lose(f"client {self.peer} left" if isinstance(gone, EOFError)
                           else f"client {self.peer}: {describe(gone)}")
        self._accept_waiting()
        self._service_tail()
        return data

    def _accept_waiting(self) -> None:
        while self._listener is not None:
            try:
                client, address = self._listener.accept()
            except OSError:
                return
            if self._client is not None:
                client.close()
                self.stats.refused += 1
                continue
            tune_stream(client)
            self._client, self.peer = client, format_address(address)
            self._went_up(f"client {self.peer} connected")

    def _send(self, octets: bytes) -> int:
        if self._client is None:
            raise BlockingIOError
        return self._client.send(octets, send_flags())

    def _lose(self, reason: str) -> None:
        self._drop_client()
        self._went_down(reason)

    def _drop_client(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def _release(self) -> None:
        self._drop_client()
        if self._listener is not None:
            self._listener.close()
            self._listener = None


class TcpConnectPort(PortBase):
    """Dials HOST:PORT without blocking; refused or dropped → down, redialled every ``retry_s``.

    The host name is resolved once, at open (a bad name is an error then); a refused first dial is not.
    """

    kind = "tcp-connect"

    def __init__(self, url: str, name: str, on_change: OnChange | None = None, *, host: str, port: int) -> None:
        super().__init__(url, name, on_change)
        self._family, self._address = resolve(host, port, socket.SOCK_STREAM, url)
        self.endpoint = format_address(self._address)
        self._sock: socket.socket | None = None
        self._dialled_at = 0.0
        self._dial()

    def fileno(self) -> int | None:
        """The connection while up; None while dialling or waiting to redial (polled)."""
        return self._sock.fileno() if self.up and self._sock is not None else None

    def service(self) -> bytes:
        """Read while up; otherwise finish a pending dial or start the next one."""
        if self.closed:
            return b""
        if self.up and self._sock is not None:
            data, gone = drain(self._sock.recv)
            self.stats.octets_in += len(data)
            if gone is not None:
                self._lose(f"{self.endpoint} closed the connection" if isinstance(gone, EOFError)
                           else f"connection to {self.endpoint} lost: {describe(gone)}")
            self._service_tail()
            return data
        if self._sock is not None:
            self._check_dial()
        elif self._retry_due():
            self._dial()
        return b""

    def _dial(self) -> None:
        try:
            sock = socket.socket(self._family, socket.SOCK_STREAM)
        except OSError as exc:
            self._failed(describe(exc), 0)
            return
        sock.setblocking(False)
        self._sock, self._dialled_at = sock, time.monotonic()
        code = sock.connect_ex(self._address)
        if code == 0:
            self._connected()
        elif code not in _PENDING:
            self._failed("", code)

    def _check_dial(self) -> None:
        assert self._sock is not None
        if _writable_now(self._sock):
            code = self._sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            if code == 0:
                self._connected()
            else:
                self._failed("", code)
        elif time.monotonic() - self._dialled_at > CONNECT_TIMEOUT_S:
            self._failed("timed out", 0)

    def _connected(self) -> None:
        assert self._sock is not None
        try:
            local, remote = self._sock.getsockname(), self._sock.getpeername()
        except OSError as exc:
            self._failed("", exc.errno or 0)
            return
        if local == remote:
            self._failed("connected to itself (nobody listening)", 0)
            return
        tune_stream(self._sock)
        self._went_up(f"connected to {self.endpoint}")

    def _failed(self, why: str, code: int) -> None:
        self._drop_socket()
        self.reason = f"cannot connect to {self.endpoint}: {why or os_error_text(code)}"
        self._retry_at = time.monotonic() + self.retry_s

    def _send(self, octets: bytes) -> int:
        if self._sock is None:
            raise BlockingIOError
        return self._sock.send(octets, send_flags())

    def _lose(self, reason: str) -> None:
        self._drop_socket()
        self._went_down(reason)

    def _drop_socket(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None

    def _release(self) -> None:
        self._drop_socket()


def os_error_text(code: int) -> str:
    """``Connection refused`` for ECONNREFUSED and so on."""
    return os.strerror(code) if code else "failed"
