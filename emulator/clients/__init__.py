"""Clients of a running emulator, for tests and scripts: ``AdminClient`` (the admin API
over HTTP), ``CallbackReceiver`` (a PUSH receiver), recordings. They import only the
foundations and the domain's leaves, never the server."""
