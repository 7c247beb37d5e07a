# Users are django.contrib.auth users; roles are groups (accounts/roles.py).
# This module exists so Django sends post_migrate to this app (see AccountsConfig.ready).
