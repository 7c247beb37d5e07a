from django.urls import path

from incidents import views

app_name = "incidents"

urlpatterns = [
    path("", views.incidents, name="list"),
    path("<int:pk>/", views.incident_detail, name="detail"),
]
