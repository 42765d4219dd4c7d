from django.contrib import admin
from django.urls import path

from civicdesk import views
from civicdesk.api.api import api
from civicdesk.worker.health import healthz

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
]
