from django.urls import path

from access import review_views, system_views

app_name = "access"

urlpatterns = [
    path("", system_views.overview, name="overview"),
    path("systems/<int:system>/", system_views.system_detail, name="system"),
    path("accounts/<int:account>/", system_views.account_detail, name="account"),
    path("reviews/", review_views.reviews, name="reviews"),
    path("reviews/new/", review_views.review_new, name="review-new"),
    path("reviews/<int:review>/", review_views.review_detail, name="review"),
    path("reviews/<int:review>/keep/", review_views.keep_selected_view, name="review-keep"),
    path("reviews/<int:review>/sign-off/", review_views.review_sign_off, name="review-sign-off"),
    path("reviews/<int:review>/items/<int:item>/", review_views.item_decide, name="review-item"),
    path("my-reviews/", review_views.my_reviews, name="my-reviews"),
]
