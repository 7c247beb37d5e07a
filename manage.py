#!/usr/bin/env python
import os
import sys
from pathlib import Path


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from config.local_env import load_local_env

    # What `make run` wrote (development keys, the sandbox's URLs), when this is a checkout
    # where it ran; never overrides the environment (config/local_env.py).
    load_local_env(Path(__file__).absolute().parent / ".local")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
