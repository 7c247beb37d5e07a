"""The OpsGenie REST API emulator: `app` (the WSGI app of one region) with `paging` (offset
paging and its links) and `query` (the incident search syntax), `data` (the synthetic account),
`store` (the account as served, and time passing in it) and `mount` (what the sandbox server
serves). Like everything under `integrations/sandbox`, it imports neither Django nor product
code."""
