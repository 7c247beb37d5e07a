"""The test settings as a worker subprocess of tests/workers needs them: the same database keys
and test values (config.settings_test), with three things only a real cluster beside the test
needs.

- The providers' base URLs from the environment (the test hands the subprocess its sandbox's);
  config.settings_test pins them to the real hosts for the unit tests.
- A queue of the test's own (EVIDENCEHUB_TEST_QUEUE), so that two runs of the test on one Redis
  never take each other's tasks. Every cluster of one run shares it, as production's do.
- django-q2's scheduler passes once per guard cycle of 30 s counted; a cycle of 30 s makes the
  first pass at start instead of 30 s in, so the test need not wait for it.
"""

import os
from importlib import import_module

from config.settings_test import *  # noqa: F403

for _package in PROVIDER_PACKAGES:  # noqa: F405
    globals().update(import_module(f"{_package}.conf").settings())

Q_CLUSTER = {  # noqa: F405
    **Q_CLUSTER,  # noqa: F405
    "name": os.environ["EVIDENCEHUB_TEST_QUEUE"],
    "guard_cycle": 30,
}
