"""The Jira Cloud and JSM Operations emulator: `data` (the synthetic site, continuing the OpsGenie
sandbox's history), `jql` (the JQL subset Jira's search answers), `site_app` (the site's REST API:
tenant_info, myself, search), `ops_app` (the Ops API's alerts) and `mount` (what the sandbox
server serves). Like everything under `integrations/sandbox`, it imports neither Django nor
product code."""
