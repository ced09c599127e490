"""``file:PATH`` (or a plain path that is no serial device): a file ``replay --to`` writes the packets into."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar, Self

from hil.schemes.base import Role, Url
from hil.schemes.grammar import bad_url, scheme_of, split
from hil.transports.base import Transport


@dataclass(frozen=True)
class FileUrl(Url):
    """A file, created or truncated: a replay target only (a file is no port and no bench node)."""

    form: ClassVar[str] = "file:PATH (or a plain path that is no serial device)"
    what: ClassVar[str] = "a file"
    roles: ClassVar[frozenset[Role]] = frozenset({Role.TARGET})

    path: str = ""

    @classmethod
    def from_url(cls, url: str) -> Self:
        """``file:PATH``, ``file:///PATH`` or a plain path (which takes no ``?options``)."""
        if scheme_of(url) == "file":
            parts = split(url)
            if parts.netloc not in ("", "localhost") or parts.query or parts.fragment:
                raise bad_url(url, "takes a path on this machine and no options", cls.form)
            path = parts.path
        else:
            if "?" in url or url.endswith(("/", ":")):
                raise bad_url(url, "not a file path (a file takes no ?options)", cls.form)
            path = url
        if not path:
            raise bad_url(url, "names no file", cls.form)
        return cls(url, str(Path(path)))

    def open_target(self) -> Transport:
        """Create (or truncate) the file."""
        from hil.transports.files import FileTransport

        return FileTransport(Path(self.path), self.text)
