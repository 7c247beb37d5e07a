"""Optional single sign-on with OpenID Connect, on mozilla-django-oidc: `config` (is it on, the
provider's endpoints), `services` (who the IdP's claims sign in, with which role), `backend` (the
ID token's checks) and `views` (start, callback, the login page's button)."""
