"""App-free helpers: no models, no settings of their own; any layer may import them."""
