"""Torch-free signal processing shared by the runtime and the training code.

`models/` imports these so that features are computed by one definition; the torch
versions in `models/features.py` are tested to agree with them.
"""
