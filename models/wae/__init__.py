"""The WAE family (WAE-MMD, WAE-note, WAE-style, WAE-Fader) from one code path."""

from models.wae.condition import Condition
from models.wae.mmd import mmd_rbf, rbf_kernel
from models.wae.model import WAE

__all__ = ["WAE", "Condition", "mmd_rbf", "rbf_kernel"]
