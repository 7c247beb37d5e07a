from django.contrib.auth import views as auth_views
from django.urls import path

from accounts import mfa_views
from accounts.sso.views import SignInView, SSOCallbackView, SSOStartView

urlpatterns = [
    path("login/", SignInView.as_view(), name="login"),
    # Single sign-on (accounts/sso): 404 unless configured.
    path("login/sso/", SSOStartView.as_view(), name="sso_login"),
    path("login/sso/callback/", SSOCallbackView.as_view(), name="sso_callback"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    # Every signed-in user changes their own password (checked by AUTH_PASSWORD_VALIDATORS);
    # Django's views keep the session signed in after the change and sign out the others.
    path(
        "account/password/",
        auth_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "account/password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    # Two-factor authentication: each user's own set-up, and the code page of sign-in.
    path("account/mfa/", mfa_views.mfa_account, name="mfa"),
    path("account/mfa/verify/", mfa_views.mfa_verify, name="mfa-verify"),
    # The one-time link an admin hands a new user, or one who forgot their password
    # (accounts/user_services.set_password_link); open without signing in.
    path(
        "account/set-password/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(post_reset_login=False),
        name="password_reset_confirm",
    ),
    path(
        "account/set-password/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
]
