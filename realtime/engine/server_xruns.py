"""The JACK server's own xrun count for the PortAudio output.

PortAudio's JACK host API turns every xrun the server reports into an output underflow of
the stream, whether our callback was late or the whole server missed its cycle (a host
that stalled the machine for tens of milliseconds). The jack-ring output counts the
server's reports itself; for the PortAudio output a portless watcher client does
(:class:`realtime.native.jack_ring.XrunWatch`), so ``/status`` and ``bench poly`` can put
``server_xruns`` beside the device's underflows. Nothing here ever stops the audio: a
watcher that cannot open leaves the count ``None`` and says why in ``error``.
"""

from __future__ import annotations

from realtime.native.jack_ring import RingError, XrunWatch


class ServerXruns:
    """Xruns counted across the streams of one output (a reopened stream adds on)."""

    def __init__(self) -> None:
        self._watch: XrunWatch | None = None
        self._base = 0
        self._watched = False
        self.error: str | None = None

    def start(self, client_name: str) -> None:
        if self._watch is not None:
            return
        try:
            self._watch = XrunWatch(f"{client_name}-xruns"[:63])
        except RingError as exc:
            self.error = str(exc)
            return
        self._watched, self.error = True, None

    def stop(self, server_alive: bool) -> None:
        """Stop watching; a watcher of a dead server is abandoned, not closed (closing a
        client whose server died can hang, as PortAudio's does)."""
        watch, self._watch = self._watch, None
        if watch is None:
            return
        self._base += watch.xruns
        if server_alive and watch.alive:
            watch.close()

    @property
    def count(self) -> int | None:
        """Xruns reported so far; None when no watcher ever ran."""
        if not self._watched:
            return None
        return self._base + (self._watch.xruns if self._watch is not None else 0)
