"""The SSO views: start (off to the IdP), callback (back from it) and the login page with its
"Sign in with …" button. Every failure lands on the login page with a message that says what
happened; nothing the IdP or a forged link sends makes a 500."""

from __future__ import annotations

import logging
import re
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import LoginView
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.decorators import method_decorator
from django.views import View
from mozilla_django_oidc.views import (
    OIDCAuthenticationCallbackView,
    OIDCAuthenticationRequestView,
)

from accounts.sso.backend import PROVIDER_ERRORS
from accounts.sso.config import SSOUnavailable, provider_endpoints, provider_name, sso_enabled
from accounts.sso.services import SSORefused

logger = logging.getLogger(__name__)
# The session says how its user signed in; an SSO sign-in counts as multi-factor when the
# IdP is trusted to have asked for it (MFA_TRUST_SSO).
SIGNED_IN_WITH = "signed_in_with"
# An OAuth error code (RFC 6749 §4.1.2.1) as the IdP sends it; anything else is not repeated.
ERROR_CODE = re.compile(r"[a-z_]{1,40}")


def _failed() -> str:
    return f"Sign-in with {provider_name()} did not complete. Please try again."


def _idp_error(code: str) -> str:
    if code == "access_denied":
        return f"Sign-in with {provider_name()} was cancelled or refused by the identity provider."
    shown = f" ({code})" if ERROR_CODE.fullmatch(code) else ""
    return (
        f"The identity provider refused the sign-in{shown}. Please try again, or ask your "
        "administrator."
    )


def _back_to_login(request: HttpRequest, message: str) -> HttpResponse:
    messages.error(request, message)
    return redirect("login")


@method_decorator(login_not_required, name="dispatch")
class SSOStartView(OIDCAuthenticationRequestView):
    http_method_names = ["get", "head"]  # HEAD answers as GET does, as everywhere in the app

    def __init__(self, **kwargs: Any) -> None:
        # The library reads the endpoint at construction; ours may need the discovery document.
        View.__init__(self, **kwargs)

    def get(self, request: HttpRequest) -> HttpResponse:
        if not sso_enabled():
            raise Http404("Single sign-on is not configured.")
        try:
            self.OIDC_OP_AUTH_ENDPOINT = provider_endpoints().authorization
        except SSOUnavailable as unavailable:
            return _back_to_login(request, str(unavailable))
        self.OIDC_RP_CLIENT_ID = settings.OIDC_RP_CLIENT_ID
        return super().get(request)


@method_decorator(login_not_required, name="dispatch")
class SSOCallbackView(OIDCAuthenticationCallbackView):
    http_method_names = ["get", "head"]

    def get(self, request: HttpRequest) -> HttpResponse:
        if not sso_enabled():
            raise Http404("Single sign-on is not configured.")
        try:
            return super().get(request)
        except (SSORefused, SSOUnavailable) as refused:
            return _back_to_login(request, str(refused))
        except PROVIDER_ERRORS as error:
            # Only the kind of error: its text may quote a token.
            logger.warning("SSO sign-in failed: %s", type(error).__name__)
            return _back_to_login(request, _failed())

    def login_failure(self) -> HttpResponse:
        code = self.request.GET.get("error", "")
        return _back_to_login(self.request, _idp_error(code) if code else _failed())

    def login_success(self) -> HttpResponse:
        response = super().login_success()
        self.request.session[SIGNED_IN_WITH] = "sso"
        return response


class SignInView(LoginView):
    """Django's login page, with the SSO button when single sign-on is configured."""

    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["sso_name"] = provider_name() if sso_enabled() else ""
        return context
