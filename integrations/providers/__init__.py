"""One package per upstream provider, each with the same files (see registry.py)."""
