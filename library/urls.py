from django.urls import path

from library import views

app_name = "library"

urlpatterns = [
    path("", views.library_index, name="index"),
    path("<slug:library_kind>/", views.object_list, name="list"),
    path("<slug:library_kind>/<int:library_object>/", views.object_detail, name="detail"),
]
