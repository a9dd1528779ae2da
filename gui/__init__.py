"""PyQt6 fader panel and standalone app (talks to realtime/, never torch)."""
