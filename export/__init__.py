"""ONNX export, manifest, parity checks and the default model recipe (torch, onnx)."""
