"""The PagerDuty emulator: `app` (the REST API v2 of one region), `data` (the synthetic account
and its store) and `identity` (the OAuth 2.0 server standing in for identity.pagerduty.com, with
`identity_http` for its pages and forms and `signing` for its ID tokens). Like everything under
`integrations/sandbox`, it imports neither Django nor product code."""
