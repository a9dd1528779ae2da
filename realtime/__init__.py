"""waefader runtime: audio engine, model loader, OSC/MIDI control, offline render.

Everything under this package runs on numpy + onnxruntime and never imports torch.
"""
