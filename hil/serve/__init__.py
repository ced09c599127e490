"""Real-time benches: ports to the outside world, wall-clock pacing with I/O, status, shadow comparison."""
