from django.contrib import admin
from django.urls import include, path

from civicdesk import views
from civicdesk.api.api import api
from civicdesk.worker.health import healthz

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("desk/", include("civicdesk.desk.urls")),
    path("i18n/", include("django.conf.urls.i18n")),  # the language switch (cookie)
    path("", include("civicdesk.open311.urls")),  # /open311/discovery.*, /open311/v2/…
    path("", include("civicdesk.portal.urls")),
]
