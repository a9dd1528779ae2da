"""Transform mode: the encoder as an audio effect (numpy + onnxruntime, never torch).

A recorded note is prepared (mono, model rate, trimmed to its onset, fitted to the note
length), turned into features (:mod:`realtime.dsp.features`), encoded to z, its pitch,
style and dynamics estimated (:mod:`realtime.transform.analysis`), and re-rendered with the
changes asked for (:class:`Edits`). ``waefader transform`` is :mod:`realtime.transform.cli`;
the engine link for the GUI and OSC is :mod:`realtime.transform.play`.
"""

from realtime.transform.core import (
    EncodedNote,
    TransformResult,
    encode_file,
    encode_note,
    prepare_note,
    render_variants,
    transform_encoded,
    transform_file,
    transform_files,
    transform_note,
)
from realtime.transform.edits import Edits, NoteAttributes, SourceHints
from realtime.transform.errors import TransformError

__all__ = [
    "Edits",
    "EncodedNote",
    "NoteAttributes",
    "SourceHints",
    "TransformError",
    "TransformResult",
    "encode_file",
    "encode_note",
    "prepare_note",
    "render_variants",
    "transform_encoded",
    "transform_file",
    "transform_files",
    "transform_note",
]
