"""Settings → Users (issue 12, "must exist" 3): admins add users (who set their password through
a one-time link), change roles, deactivate and reactivate, and make a new set-password link;
auditors read the list."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from accounts.mfa import mfa_statuses
from accounts.mfa_forms import MfaPolicyForm
from accounts.mfa_services import mfa_remove
from accounts.models import MfaPolicy, SignInLockout
from accounts.permissions import require_permissions
from accounts.services import user_role
from accounts.user_forms import RoleForm, UserNewForm, role_of
from accounts.user_services import (
    UserRefused,
    active_set,
    role_set,
    running_lockouts,
    set_password_link,
    sign_in_unlock,
    user_invite,
)
from lib.concurrency import ChangedMeanwhile
from lib.settings_row import settings_save

VIEW_USER = "auth.view_user"
CHANGE_USER = "auth.change_user"
ADD_USER = "auth.add_user"


@require_permissions(read=VIEW_USER)
def users(request: HttpRequest) -> HttpResponse:
    people = list(get_user_model().objects.prefetch_related("groups").order_by("username"))
    locked = set(SignInLockout.objects.running().values_list("username", flat=True))
    mfa = mfa_statuses(people)
    rows = [
        {
            "user": user,
            "role": user_role(user),
            "locked": user.get_username() in locked,
            "mfa": mfa[user.pk],
        }
        for user in people
    ]
    context = {"rows": rows, "policy": MfaPolicy.current()}
    return render(request, "accounts/users/list.html", context)


@require_permissions(read=VIEW_USER, write=CHANGE_USER)
def mfa_policy(request: HttpRequest) -> HttpResponse:
    """Who must use two-factor authentication: nobody, everyone, or chosen roles."""
    policy = MfaPolicy.current()
    form = MfaPolicyForm(request.POST if request.method == "POST" else None, instance=policy)
    if request.method == "POST" and form.is_valid():
        try:
            settings_save(form)
        except ChangedMeanwhile as conflict:
            form = conflict.reshow(form)
        else:
            messages.success(request, f"Two-factor authentication: {policy.get_mode_display()}.")
            return redirect("accounts:users")
    status = 400 if form.errors else 200
    if form.errors:
        policy = MfaPolicy.current()  # validation wrote the typed values onto the instance
    return render(
        request, "accounts/users/mfa_policy.html", {"form": form, "policy": policy}, status=status
    )


@require_permissions(read=ADD_USER, write=ADD_USER)
def user_new(request: HttpRequest) -> HttpResponse:
    form = UserNewForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            user = user_invite(
                username=form.cleaned_data["username"],
                email=form.cleaned_data["email"],
                role=role_of(form.cleaned_data["role"]),
            )
        except UserRefused as refused:
            form.add_error(None, str(refused))
        else:
            return _with_link(request, user, created=True)
    status = 400 if form.errors else 200
    return render(request, "accounts/users/new.html", {"form": form}, status=status)


def _with_link(request: HttpRequest, user, *, created: bool) -> HttpResponse:  # type: ignore[no-untyped-def]
    link = request.build_absolute_uri(set_password_link(user))
    return render(
        request,
        "accounts/users/link.html",
        {
            "subject": user,
            "link": link,
            "created": created,
            "valid_days": round(settings.PASSWORD_RESET_TIMEOUT / 86400, 1),
        },
    )


@require_permissions(read=VIEW_USER, write=CHANGE_USER)
def user_detail(request: HttpRequest, user: int) -> HttpResponse:
    subject = get_object_or_404(get_user_model(), pk=user)
    role = user_role(subject)
    form = RoleForm(initial={"role": role.name.lower() if role else "staff"})
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "role":
                form = RoleForm(request.POST)
                if form.is_valid():
                    role_set(user=subject, role=role_of(form.cleaned_data["role"]))
                    messages.success(request, f"{subject.username} is now {user_role(subject)}.")
                    return redirect("accounts:user", user=subject.pk)
            elif action in ("deactivate", "reactivate"):
                active_set(user=subject, active=action == "reactivate", by=request.user)
                word = "reactivated" if subject.is_active else "deactivated"
                messages.success(request, f"{subject.username} was {word}.")
                return redirect("accounts:user", user=subject.pk)
            elif action == "unlock":
                ended = sign_in_unlock(subject)
                messages.success(
                    request,
                    f"{subject.username} can sign in again."
                    if ended
                    else f"{subject.username} was not locked out: nothing to unlock.",
                )
                return redirect("accounts:user", user=subject.pk)
            elif action == "mfa-reset":
                removed = mfa_remove(subject)
                messages.success(
                    request,
                    f"Two-factor authentication of {subject.username} was reset: they sign in "
                    "with their password and set it up again."
                    if removed
                    else f"{subject.username} had no two-factor authentication: nothing to reset.",
                )
                return redirect("accounts:user", user=subject.pk)
            elif action == "link":
                return _with_link(request, subject, created=False)
            else:
                messages.error(request, "Nothing was changed: the form did not say what to do.")
        except UserRefused as refused:
            messages.error(request, str(refused))
    context = {
        "subject": subject,
        "role": role,
        "form": form,
        "lockouts": list(running_lockouts(subject.get_username())),
        "mfa": mfa_statuses([subject])[subject.pk],
    }
    status = 400 if form.errors else 200
    return render(request, "accounts/users/detail.html", context, status=status)
