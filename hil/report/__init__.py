"""Run reports: summary.json and PNG plots of the key telemetry."""
