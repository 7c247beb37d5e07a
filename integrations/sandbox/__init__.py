"""Local emulators of the upstream APIs: the server, its control API and what every provider's
emulator shares (WSGI plumbing, faults, time passing, names). Each provider's emulator lives in
its own package, `integrations/providers/<name>/sandbox/`, and mounts itself on the server.

Framework-free on purpose: the emulators run inside tests, benchmarks and `manage.py sandbox`
without Django's request cycle, and must not depend on anything the product itself implements.
"""
