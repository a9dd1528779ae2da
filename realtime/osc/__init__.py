"""OSC control of the engine (python-osc): the address space (``address``), a dispatcher that
works on raw datagrams with no socket (``dispatcher``), and the UDP server (``server``).
The address space is documented in docs/OSC.md."""

from realtime.osc.dispatcher import OscDispatcher
from realtime.osc.server import OscServer

__all__ = ["OscDispatcher", "OscServer"]
