"""Native pieces of the runtime, built from C by ``python -m realtime.native.build``
(scripts/setup.sh runs it): the JACK ring-buffer output (jack_ring.c)."""
