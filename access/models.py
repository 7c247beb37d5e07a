# Models arrive with access management.
