from django.urls import path

from notifications import views

app_name = "notifications"

urlpatterns = [
    path("", views.channels, name="channels"),
    path("add/<slug:kind>/", views.channel_new, name="channel-new"),
    path("<int:channel_id>/", views.channel_detail, name="channel"),
    path("<int:channel_id>/edit/", views.channel_edit, name="channel-edit"),
    path("<int:channel_id>/test/", views.channel_test, name="channel-test"),
    path("<int:channel_id>/enabled/", views.channel_toggle, name="channel-toggle"),
    path("<int:channel_id>/switch-to-jsm/", views.channel_switch, name="channel-switch"),
    path("<int:channel_id>/delete/", views.channel_delete_view, name="channel-delete"),
    path("<int:channel_id>/deliveries/<int:delivery>/", views.delivery_detail, name="delivery"),
]
