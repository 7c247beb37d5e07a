from django.urls import path

from access import (
    review_views,
    staff_import_views,
    staff_org_role_views,
    staff_views,
    system_views,
)

app_name = "access"

urlpatterns = [
    path("", system_views.overview, name="overview"),
    path("systems/<int:system>/", system_views.system_detail, name="system"),
    path("accounts/<int:account>/", system_views.account_detail, name="account"),
    path("staff/", staff_views.staff_list, name="staff"),
    path("staff/add/", staff_views.staff_add, name="staff-add"),
    path("staff/import/", staff_import_views.staff_import, name="staff-import"),
    path(
        "staff/import/confirm/",
        staff_import_views.staff_import_confirm,
        name="staff-import-confirm",
    ),
    path("staff/<int:person>/", staff_views.staff_detail, name="staff-detail"),
    path("staff/<int:person>/edit/", staff_views.staff_edit, name="staff-edit"),
    path("org-roles/", staff_org_role_views.org_roles, name="org-roles"),
    path(
        "org-roles/<int:role>/rename/",
        staff_org_role_views.org_role_rename,
        name="org-role-rename",
    ),
    path(
        "org-roles/<int:role>/delete/",
        staff_org_role_views.org_role_delete_view,
        name="org-role-delete",
    ),
    path("reviews/", review_views.reviews, name="reviews"),
    path("reviews/new/", review_views.review_new, name="review-new"),
    path("reviews/<int:review>/", review_views.review_detail, name="review"),
    path(
        "reviews/<int:review>/decisions.csv",
        review_views.review_decisions,
        name="review-decisions",
    ),
    path("reviews/<int:review>/keep/", review_views.keep_selected_view, name="review-keep"),
    path("reviews/<int:review>/sign-off/", review_views.review_sign_off, name="review-sign-off"),
    path("reviews/<int:review>/items/<int:item>/", review_views.item_decide, name="review-item"),
    path("my-reviews/", review_views.my_reviews, name="my-reviews"),
]
