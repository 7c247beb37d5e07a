"""The PagerDuty emulator: `app` (the REST API v2 of one region) with `params` (its paging,
filters, sorting and date window), `data` (the synthetic account), `store` (the account as
served, time passing in it, and incident notes), `identity` (the OAuth 2.0 server standing in for
identity.pagerduty.com, with `identity_http` for its pages, forms, scopes and PKCE and `signing`
for its ID tokens) and `mount` (what the sandbox server serves). Like everything under
`integrations/sandbox`, it imports neither Django nor product code."""
