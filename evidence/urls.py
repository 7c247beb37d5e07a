from django.urls import path

from evidence import views

app_name = "evidence"

urlpatterns = [
    path("", views.export, name="export"),
    path("exports/<int:export>/download/", views.download, name="download"),
]
