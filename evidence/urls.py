from django.urls import path

from evidence import views

app_name = "evidence"

urlpatterns = [
    path("", views.export, name="export"),
    path("download/", views.download, name="download"),
]
