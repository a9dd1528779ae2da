"""The OSC UDP server: one thread reads datagrams and hands them to the dispatcher.

Bursts: the socket's receive buffer is enlarged (4 MiB asked; the kernel may cap it at
``net.core.rmem_max``, and ``rcvbuf_bytes`` says what was granted) so a burst of a thousand
messages waits in the kernel while the thread works through it; nothing is dropped.
Replies go to the sender's address, or to its host at ``reply_port`` when one is set.
"""

from __future__ import annotations

import socket
import threading
import time

from realtime.engine.priority import raise_thread
from realtime.osc.dispatcher import OscDispatcher

RCVBUF = 4 * 2**20


class OscError(OSError):
    """The server cannot listen (port in use, bad host); the message says which."""


class OscServer:
    def __init__(
        self,
        dispatcher: OscDispatcher,
        host: str = "127.0.0.1",
        port: int = 9000,
        rcvbuf: int = RCVBUF,
        rt_priority: int | None = 40,
        nice: int | None = -10,
    ) -> None:
        self.dispatcher = dispatcher
        self.rt_priority = rt_priority
        self.nice = nice
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
            self.sock.bind((host, port))
        except OSError as exc:
            self.sock.close()
            raise OscError(
                f"cannot listen for OSC on {host}:{port} ({exc.strerror or exc})"
            ) from None
        self.sock.settimeout(0.2)
        self.rcvbuf_bytes = self.sock.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF)
        self.host, self.port = self.sock.getsockname()[:2]
        self.send_errors = 0
        dispatcher.send = self.send  # replies made later (transform done / error)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    def start(self) -> OscServer:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="waefader-osc", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(2.0)
            self._thread = None
        self.dispatcher.close()
        self.sock.close()

    def __enter__(self) -> OscServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _run(self) -> None:
        raise_thread(self.rt_priority, self.nice)  # it takes the GIL: realtime.engine.priority
        recv, handle = self.sock.recvfrom, self.dispatcher.handle_datagram
        while not self._stop.is_set():
            try:
                data, sender = recv(65536)
            except TimeoutError:
                continue
            except OSError:
                if self._stop.is_set():
                    return
                continue
            self.send(handle(data, sender, time.perf_counter()))

    def send(self, replies: list[tuple[bytes, tuple[str, int]]]) -> None:
        """Send replies (from any thread); failures are counted, never raised."""
        for reply, target in replies:
            try:
                self.sock.sendto(reply, target)
            except OSError:
                self.send_errors += 1
