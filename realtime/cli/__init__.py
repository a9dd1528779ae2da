"""Runtime subcommands (serve, render, latency, devices, bench render/poly)."""
