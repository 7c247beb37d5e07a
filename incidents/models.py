# Models arrive with the incident sync (issue 3).
