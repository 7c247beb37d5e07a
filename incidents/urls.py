from django.urls import path

from incidents import detail_views, move_views, report_views, views

app_name = "incidents"

urlpatterns = [
    path("", views.incidents, name="list"),
    path("report/", report_views.report_incident, name="report"),
    path("<int:pk>/", detail_views.incident_detail, name="detail"),
    path("<int:pk>/data-loss/", detail_views.data_loss, name="data-loss"),
    path("moved/<int:connection_id>/", move_views.moved_incidents, name="moved"),
]
