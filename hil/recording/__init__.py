"""Recordings: every packet on every link, with time and direction, in a pcapng file.

``format`` holds the block constants, ``writer`` the Recorder, ``reader`` the resynchronising reader,
``header`` what a recording says about the run that made it and ``rerun`` what ``farside run --from`` takes from
it. Import them by module; this package imports none.
"""
