from django.contrib import admin
from django.urls import path

from civicdesk import views
from civicdesk.worker.health import healthz

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
]
