from django.urls import path

from accounts import user_views

app_name = "accounts"

urlpatterns = [
    path("", user_views.users, name="users"),
    path("new/", user_views.user_new, name="user-new"),
    path("two-factor/", user_views.mfa_policy, name="mfa-policy"),
    path("<int:user>/", user_views.user_detail, name="user"),
]
