"""Local emulators of the upstream incident APIs (OpsGenie now, PagerDuty later).

Framework-free on purpose: the emulators run inside tests, benchmarks and `manage.py sandbox`
without Django's request cycle, and must not depend on anything the product itself implements.
"""
