from tests.alerts.conftest import connection, upstream  # noqa: F401  the same emulator and connection
