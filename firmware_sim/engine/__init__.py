"""The cycle-stepped engine: clock, scheduler, pacing, links and ports."""
