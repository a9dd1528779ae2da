"""Presets shipped with the window (JSON in the engine's preset format, styles by name)."""
