"""``replay://FILE[?link=DEVICE&loop=1]``: a recording (or packet file) the bench plays in place of a device."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar, Self

from hil.schemes.base import Role, Url
from hil.schemes.grammar import bad_url, boolean, no_more, options, split


@dataclass(frozen=True)
class ReplayUrl(Url):
    """A device node played from a recording in virtual time: not a port, not a replay target."""

    form: ClassVar[str] = ("replay://FILE[?link=DEVICE&loop=1] (FILE: a farside recording or a file of "
                           "concatenated packets)")
    what: ClassVar[str] = "a recording the bench plays in virtual time"
    roles: ClassVar[frozenset[Role]] = frozenset({Role.RECORDING})

    path: Path = Path()
    link: str | None = None
    """The recorded link whose device telemetry is played; None: the node's own name."""
    loop: bool = False

    @classmethod
    def from_url(cls, url: str) -> Self:
        """``replay://relative/file``, ``replay:///absolute/file``, with ``?link=DEVICE`` and ``?loop=1``."""
        parts = split(url)
        path = parts.netloc + parts.path
        if not path or parts.fragment:
            raise bad_url(url, "names no file", cls.form)
        items = options(url, parts.query, cls.form)
        link = items.pop("link", None)
        loop = boolean(url, items, "loop", cls.form)
        no_more(url, items, "replay:// takes only ?link=DEVICE and ?loop=1", cls.form)
        if link == "":
            raise bad_url(url, "link= names no device", cls.form)
        return cls(url, Path(path), link, loop)
