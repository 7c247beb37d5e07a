"""The OpsGenie REST API emulator: `app` (the WSGI app of one region), `data` (the synthetic
account and its store) and `query` (the incident search syntax). Like everything under
`integrations/sandbox`, it imports neither Django nor product code."""
