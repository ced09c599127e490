"""The built-in flight-software stand-in: routes commands, collects telemetry, stores and forwards downlink."""
