from django.urls import path

from access import system_views

app_name = "access"

urlpatterns = [
    path("", system_views.overview, name="overview"),
    path("systems/<int:system>/", system_views.system_detail, name="system"),
    path("accounts/<int:account>/", system_views.account_detail, name="account"),
]
