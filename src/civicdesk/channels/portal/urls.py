"""The public portal's URLs; the project mounts them at the site root (``/report/``, ``/status/``)."""

from django.urls import path

from civicdesk.channels.portal import views

app_name = "portal"

urlpatterns = [
    path("report/", views.report_start, name="report"),
    path("report/sent/", views.sent, name="sent"),
    path("report/<slug:jurisdiction>/", views.report, name="report_for"),
    path("status/", views.status, name="status"),
    path("status/<str:key>/", views.status_link, name="status_link"),
    path("status/files/<str:token>/", views.public_file, name="public_file"),
    path("status/files/<str:token>/thumbnail/", views.public_thumbnail, name="public_thumbnail"),
]
