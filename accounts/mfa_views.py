"""Account → Two-factor authentication (set up, recovery codes, turn off) and the code page of
sign-in. Both are open to every signed-in user; accounts/mfa_middleware.py sends a session that
still owes a code, or a set-up, to one of them."""

from __future__ import annotations

from base64 import b32encode

import qrcode
import qrcode.image.svg
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_lockout_response
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_login_failed
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.mfa import Gate, authenticator, gate, mfa_required, recovery_codes_left
from accounts.mfa_forms import CodeForm, SetupCodeForm, TurnOffForm
from accounts.mfa_services import (
    CodeRefused,
    current_code_check,
    mfa_remove,
    recovery_codes_make,
    setup_confirm,
    setup_device,
    sign_in_check,
)
from accounts.permissions import SIGNED_IN, require_permissions


def _qr_svg(device: TOTPDevice) -> str:
    """The otpauth:// URL as an inline <svg> (our own markup, from the qrcode library): the CSP
    needs no image source for it."""
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage)
    return mark_safe(image.to_string(encoding="unicode"))  # noqa: S308 - generated, no user text


def _secret(device: TOTPDevice) -> str:
    """The key as authenticator apps take it typed in: base32, in groups of four."""
    text = b32encode(device.bin_key).decode()
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def _codes_page(request: HttpRequest, codes: list[str], *, first: bool) -> HttpResponse:
    return render(request, "accounts/mfa/recovery_codes.html", {"codes": codes, "first": first})


@require_permissions(read=None, write=SIGNED_IN)
def mfa_account(request: HttpRequest) -> HttpResponse:
    user = request.user
    device = authenticator(user)
    required = mfa_required(user)  # type: ignore[arg-type]
    setup_form, off_form = SetupCodeForm(), TurnOffForm()
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action == "start" and device is None:
            setup_device(user)
            return redirect("mfa")
        if action == "confirm" and device is None:
            pending = TOTPDevice.objects.filter(user=user, confirmed=False).first()
            setup_form = SetupCodeForm(request.POST)
            if pending is None:
                messages.error(request, "Nothing was changed: start the set-up first.")
            elif setup_form.is_valid():
                try:
                    setup_confirm(user=user, device=pending, code=setup_form.cleaned_data["code"])
                except CodeRefused as refused:
                    setup_form.add_error(
                        "code", f"{refused} Two-factor authentication is still off."
                    )
                else:
                    pending.refresh_from_db()
                    otp_login(request, pending)
                    messages.success(request, "Two-factor authentication is on.")
                    return _codes_page(request, recovery_codes_make(user), first=True)
        elif action == "codes" and device is not None:
            return _codes_page(request, recovery_codes_make(user), first=False)
        elif action == "off" and device is not None:
            off_form = TurnOffForm(request.POST)
            if required:
                messages.error(
                    request,
                    "Two-factor authentication stays on: the admin's policy requires it for "
                    "your role.",
                )
            elif off_form.is_valid() and _may_turn_off(request, off_form):
                mfa_remove(user)
                messages.success(request, "Two-factor authentication is off.")
                return redirect("mfa")
        else:
            messages.error(request, "Nothing was changed: the form did not say what to do.")
        status = 400 if setup_form.errors or off_form.errors else 200
    pending = None if device else TOTPDevice.objects.filter(user=user, confirmed=False).first()
    context = {
        "device": device,
        "required": required,
        "pending": pending,
        "qr": _qr_svg(pending) if pending else "",
        "secret": _secret(pending) if pending else "",
        "codes_left": recovery_codes_left(user) if device else 0,
        "setup_form": setup_form,
        "off_form": off_form,
        "enrolling": gate(request) is Gate.ENROL,
    }
    return render(request, "accounts/mfa/account.html", context, status=status)


def _may_turn_off(request: HttpRequest, form: TurnOffForm) -> bool:
    password, code = form.cleaned_data["password"], form.cleaned_data["code"]
    if password:
        if request.user.check_password(password):  # type: ignore[union-attr]
            return True
        form.add_error("password", "Wrong password: two-factor authentication is still on.")
        return False
    try:
        current_code_check(request.user, code)  # type: ignore[arg-type]
    except CodeRefused as refused:
        form.add_error("code", f"{refused} Two-factor authentication is still on.")
        return False
    return True


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    safe = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if safe else settings.LOGIN_REDIRECT_URL


@require_permissions(read=None, write=SIGNED_IN)
def mfa_verify(request: HttpRequest) -> HttpResponse:
    """The second step of sign-in. A wrong code counts as a failed sign-in for the lockout
    (django-axes, as a wrong password does) and, per device, makes the next try wait (django-
    otp's throttling: 1, 2, 4… seconds)."""
    if gate(request) is not Gate.VERIFY:
        return redirect(_next(request))
    form = CodeForm(request.POST if request.method == "POST" else None)
    credentials = {"username": request.user.get_username()}  # type: ignore[union-attr]
    if request.method == "POST" and form.is_valid():
        if AxesProxyHandler.is_locked(request, credentials):
            return _locked_out(request, credentials)
        try:
            device = sign_in_check(request.user, form.cleaned_data["code"])  # type: ignore[arg-type]
        except CodeRefused as refused:
            form.add_error("code", str(refused))
            user_login_failed.send(__name__, credentials=credentials, request=request)
            if getattr(request, "axes_locked_out", False):
                return _locked_out(request, credentials)
        else:
            request.session.cycle_key()
            otp_login(request, device)
            return redirect(_next(request))
    status = 400 if form.errors else 200
    context = {"form": form, "next": _next(request)}
    return render(request, "accounts/mfa/verify.html", context, status=status)


def _locked_out(request: HttpRequest, credentials: dict[str, str]) -> HttpResponse:
    """Too many wrong passwords or codes: this half-signed-in session ends, with axes' page."""
    logout(request)
    request.axes_locked_out = False  # type: ignore[attr-defined]  # answered here already
    return get_lockout_response(request, None, credentials)
