"""A file transport: the octets of every packet written one after the other."""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO

from hil.errors import TransportError
from hil.transports.base import TransportBase


class FileTransport(TransportBase):
    """Writes octets to a file, created or truncated on open."""

    def __init__(self, path: Path, url: str) -> None:
        self.url = url
        self.path = path
        try:
            self.stream: BinaryIO | None = path.open("wb")
        except OSError as exc:
            raise TransportError(f"{url}: cannot write {path}: {exc.strerror or exc}") from None

    def send(self, octets: bytes) -> None:
        """Append ``octets`` to the file."""
        if self.stream is None:
            raise TransportError(f"{self.url}: transport is closed")
        try:
            self.stream.write(octets)
        except OSError as exc:
            raise TransportError(f"{self.url}: cannot write {self.path}: {exc.strerror or exc}") from None

    def close(self) -> None:
        """Flush and close the file."""
        if self.stream is not None:
            stream, self.stream = self.stream, None
            try:
                stream.close()
            except OSError as exc:
                raise TransportError(f"{self.url}: cannot write {self.path}: {exc.strerror or exc}") from None
