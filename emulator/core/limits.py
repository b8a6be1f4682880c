"""How long the HTTP server waits on a client, in one place for both APIs; and how long
bulk work holds the event loop."""

IDLE_CONNECTION_SECONDS = 30.0
"""A connection that sends no complete request in this long (half-open, or headers that
never end) is closed; so is a keep-alive connection idle this long."""

BODY_READ_SECONDS = 30.0
"""A request body that has not fully arrived this long after its headers is refused."""

SHUTDOWN_GRACE_SECONDS = 0.5
"""On shutdown, requests still running this long after held ones were answered are
cancelled."""

SLICE_SECONDS = 0.001
"""Bulk work (generating, checking, queueing events, sending what a clock change made due)
hands the event loop back this often, so a 100,000-event emit never holds up other
requests, and held pulls wake as events arrive."""
