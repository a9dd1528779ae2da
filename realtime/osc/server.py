"""The OSC UDP server: one thread reads datagrams and hands them to the dispatcher.

Bursts: the socket's receive buffer is enlarged (4 MiB asked; the kernel may cap it at
``net.core.rmem_max``, and ``rcvbuf_bytes`` says what was granted) so a burst of a thousand
messages waits in the kernel while the thread works through it. What a longer burst
overflows, the kernel drops; Linux counts those drops per socket (``SO_RXQ_OVFL``) and hands
the count with each datagram: ``kernel_drops`` in ``/status``.
Replies go to the sender's address, or to its host at ``reply_port`` when one is set.
``allow`` (``--osc-allow CIDR``): datagrams from other hosts are dropped unread and counted
(``refused_senders``).
"""

from __future__ import annotations

import ipaddress
import socket
import struct
import threading
import time
from collections.abc import Iterable

from realtime.engine.priority import raise_thread
from realtime.osc.dispatcher import OscDispatcher

RCVBUF = 4 * 2**20
SO_RXQ_OVFL = getattr(socket, "SO_RXQ_OVFL", 40)  # Linux; Python does not name it
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(specs: Iterable[str]) -> tuple[Network, ...]:
    """``--osc-allow`` values (``192.168.1.0/24``, ``10.0.0.7``) -> networks; OscError."""
    try:
        return tuple(ipaddress.ip_network(s.strip(), strict=False) for s in specs)
    except ValueError as exc:
        raise OscError(f"--osc-allow: {exc}") from None


def is_loopback(host: str) -> bool:
    """True for 127.x, ::1 and localhost; False for any other address or name."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


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
        allow: Iterable[Network] = (),
    ) -> None:
        self.dispatcher = dispatcher
        self.allow = tuple(allow)
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
        try:  # the kernel then reports its drop count with every datagram
            self.sock.setsockopt(socket.SOL_SOCKET, SO_RXQ_OVFL, 1)
            self.drops_counted = True
        except OSError:
            self.drops_counted = False
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
        recv, handle = self.sock.recvmsg, self.dispatcher.handle_datagram
        counters = self.dispatcher.counters
        space = socket.CMSG_SPACE(4)
        while not self._stop.is_set():
            try:
                data, ancillary, _, sender = recv(65536, space)
            except TimeoutError:
                continue
            except OSError:
                if self._stop.is_set():
                    return
                continue
            for level, kind, value in ancillary:
                if level == socket.SOL_SOCKET and kind == SO_RXQ_OVFL and len(value) >= 4:
                    counters.kernel_drops = struct.unpack("=I", value[:4])[0]
            if self.allow and not self._allowed(sender[0]):
                counters.refused_senders += 1
                continue
            self.send(handle(data, sender, time.perf_counter()))

    def _allowed(self, host: str) -> bool:
        try:
            ip = ipaddress.ip_address(host)
        except ValueError:
            return False
        return any(ip in net for net in self.allow)

    def send(self, replies: list[tuple[bytes, tuple[str, int]]]) -> None:
        """Send replies (from any thread); failures are counted, never raised."""
        for reply, target in replies:
            try:
                self.sock.sendto(reply, target)
            except OSError:
                self.send_errors += 1
