"""Recordings: every packet on every link, with time and direction, in a pcapng file."""

from hil.recording.reader import is_recording, read_recording
from hil.recording.writer import Recorder

__all__ = ["Recorder", "is_recording", "read_recording"]
