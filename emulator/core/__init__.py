"""The domain: no aiohttp, no HTTP. The backend (``core.backend.VodBackend``) is the one
façade every adapter (Cloud API, admin API, plugin) calls; the queues, callbacks, faults,
clock, journal and settings behind it are its parts."""
