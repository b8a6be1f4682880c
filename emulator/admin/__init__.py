"""The admin API under ``/_emulator/`` (routes, views, the dashboard's server side, the
OpenAPI document): HTTP in, backend calls, admin JSON out."""
