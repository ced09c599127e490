"""``pty://[?link=PATH]``: a pseudo-terminal farside creates, optionally with a symlink of a stable name."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Self

from hil.ports.base import DuplexPort, OnChange
from hil.schemes.base import Role, Url
from hil.schemes.grammar import bad_url, options, split


@dataclass(frozen=True)
class PtyUrl(Url):
    """A pseudo-terminal; ``link`` is a symlink to its slave ("" for none)."""

    form: ClassVar[str] = "pty:// (or pty://?link=PATH)"
    what: ClassVar[str] = "a pseudo-terminal farside creates"
    roles: ClassVar[frozenset[Role]] = frozenset({Role.PORT})

    link: str = ""

    @classmethod
    def from_url(cls, url: str) -> Self:
        """``pty://`` or ``pty://?link=PATH``."""
        parts = split(url)
        if parts.netloc or parts.path not in ("", "/") or parts.fragment:
            raise bad_url(url, "pty:// takes nothing but ?link=PATH", cls.form)
        items = options(url, parts.query, cls.form)
        link = items.pop("link", "")
        if items or ("link" in parts.query and not link):
            raise bad_url(url, "pty:// takes only ?link=PATH", cls.form)
        return cls(url, link)

    def open_port(self, name: str, on_change: OnChange | None = None) -> DuplexPort:
        """Create the pseudo-terminal (and its link)."""
        from hil.ports.ptyport import PtyPort

        return PtyPort(self.text, name, on_change, link=self.link)
