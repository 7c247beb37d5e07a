"""OpsGenie (REST API v2). What the product reads of it is declared in provider.py."""
