"""OSC packets -> (timetag, message) pairs, bundle elements checked one by one.

python-osc parses single messages; bundles are walked here so that an element whose size
runs past the packet, is not a multiple of 4 or holds garbage is counted as malformed by
itself (the other elements still play), and the ``S`` (symbol) type, which Pd, Max and
liblo send and python-osc skips, is read as the string it is on the wire.
"""

from __future__ import annotations

from pythonosc import osc_message
from pythonosc.parsing import osc_types

BUNDLE = b"#bundle\x00"
Timed = tuple[float, osc_message.OscMessage]


class Malformed(ValueError):
    """Bytes that are not an OSC message or bundle (element)."""


def timed_messages(data: bytes, problems: list[str]) -> list[Timed]:
    """Every usable message with its bundle's timetag (unix seconds, or IMMEDIATELY);
    nested bundles included. What cannot be used goes to ``problems`` (one line each).
    Raises Malformed when nothing of the packet is OSC."""
    if data.startswith(BUNDLE):
        return _bundle(data, osc_types.IMMEDIATELY, problems)
    return [(osc_types.IMMEDIATELY, message(data))]


def message(data: bytes) -> osc_message.OscMessage:
    if not data.startswith(b"/"):
        raise Malformed("not an OSC message or bundle")
    try:
        return osc_message.OscMessage(_symbols_as_strings(data))
    except Exception as exc:  # python-osc raises several types on garbage
        raise Malformed(f"malformed message ({type(exc).__name__})") from None


def _bundle(data: bytes, outer: float, problems: list[str]) -> list[Timed]:
    if len(data) < 16:
        raise Malformed("bundle without a timetag")
    tag, index = osc_types.get_date(data, len(BUNDLE))
    if tag == osc_types.IMMEDIATELY:
        tag = outer
    out: list[Timed] = []
    while index < len(data):
        if index + 4 > len(data):
            problems.append("bundle element: truncated size")
            break
        size = int.from_bytes(data[index : index + 4], "big", signed=True)
        index += 4
        if size <= 0 or size % 4 or index + size > len(data):
            problems.append(f"bundle element claims {size} bytes, {len(data) - index} left")
            break  # the rest of the bundle cannot be found
        element = data[index : index + size]
        index += size
        try:
            if element.startswith(BUNDLE):
                out.extend(_bundle(element, tag, problems))
            else:
                out.append((tag, message(element)))
        except Malformed as exc:
            problems.append(f"bundle element: {exc}")
    return out


def _symbols_as_strings(data: bytes) -> bytes:
    """Type tag ``S`` (symbol) -> ``s``: the same bytes on the wire, same length."""
    end = data.find(b"\x00")
    start = (end // 4 + 1) * 4  # the address is padded to 4 bytes
    if end < 0 or data[start : start + 1] != b",":
        return data
    stop = data.find(b"\x00", start)
    tags = data[start:stop] if stop > 0 else b""
    if b"S" not in tags:
        return data
    return data[:start] + tags.replace(b"S", b"s") + data[start + len(tags) :]
