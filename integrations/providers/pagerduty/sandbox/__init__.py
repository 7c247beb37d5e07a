"""The PagerDuty emulator: `app` (the REST API v2 of one region) with `params` (its paging,
filters, sorting and date window), `data` (the synthetic account), `store` (the account as
served, time passing in it, and incident notes), `identity` (the OAuth 2.0 server standing in for
identity.pagerduty.com, with `identity_http` for its pages and scopes; the OAuth plumbing and
ID-token signing it shares are in `integrations/sandbox`) and `mount` (what the sandbox server
serves). Like everything under `integrations/sandbox`, it imports neither Django nor product
code."""
