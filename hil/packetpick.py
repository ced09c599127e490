"""Which packets of a file a command takes: each once where it originates, every copy, or all one link carried."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from firmware_sim.origin import PacketOrigin
from hil.errors import InputFileError
from hil.recording.reader import DIRECTIONS
from hil.records import PacketRecord
from protocols.dictionary import Dictionary


def pick_packets(path: Path, dictionary: Dictionary, first: np.ndarray, second: np.ndarray, link: np.ndarray | None,
                 links: Sequence[str | None], direction: np.ndarray | None, *, only_link: str | None = None,
                 copies: bool = False) -> np.ndarray | None:
    """A mask of the packets to take, or None for all of them.

    By default each packet once, where it originates (``PacketOrigin.once``); with ``copies`` every sighting; with
    ``only_link`` every packet that link carried, copies included. ``first`` and ``second`` are the packets' first
    two octets, ``link`` codes into ``links`` and ``direction`` codes into the recording reader's ``DIRECTIONS``
    (both None for a file without links). InputFileError when ``only_link`` is not a link of the file.
    """
    if only_link is not None:
        carried = [] if link is None else [links[k] for k in np.unique(link).tolist()]  # not those only declared
        named = [name for name in carried if name is not None]
        if link is None or only_link not in named:
            held = f"its links: {', '.join(named)}" if named else "it holds no links (only a recording does)"
            raise InputFileError(f"{path}: no packet on link {only_link!r}; {held}")
        return link == list(links).index(only_link)
    if copies or link is None or direction is None:
        return None
    return PacketOrigin(dictionary).once(first, second, link, links, direction, DIRECTIONS)


def pick_records(path: Path, dictionary: Dictionary, records: Sequence[PacketRecord], *, only_link: str | None = None,
                 copies: bool = False) -> list[bool]:
    """Whether to take each record, by the rule of ``pick_packets``."""
    links = list(dict.fromkeys(r.link for r in records))
    code = {name: k for k, name in enumerate(links)}
    linked = any(name is not None for name in links)
    count = len(records)
    keep = pick_packets(
        path, dictionary, np.fromiter((r.packet[0] for r in records), np.uint8, count),
        np.fromiter((r.packet[1] for r in records), np.uint8, count),
        np.fromiter((code[r.link] for r in records), np.int64, count) if linked else None, links,
        np.fromiter((DIRECTIONS.index(r.direction) for r in records), np.int64, count) if linked else None,
        only_link=only_link, copies=copies)
    return [True] * count if keep is None else keep.tolist()
