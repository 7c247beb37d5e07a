from django.urls import path

from checks import views

app_name = "checks"

urlpatterns = [
    path("", views.check_list, name="list"),
    path("special-case-policy/", views.special_case_policy, name="policy"),
    path("<slug:key>/", views.check_detail, name="detail"),
    path("<slug:key>/special-cases/", views.special_case_new, name="special-case-new"),
    path(
        "<slug:key>/special-cases/<int:case>/end/",
        views.special_case_stop,
        name="special-case-end",
    ),
    path(
        "<slug:key>/special-cases/<int:case>/attachment/",
        views.special_case_attachment,
        name="special-case-attachment",
    ),
]
