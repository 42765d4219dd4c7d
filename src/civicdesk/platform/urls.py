from django.contrib import admin
from django.urls import include, path

from civicdesk.channels.api.api import api
from civicdesk.platform import views
from civicdesk.platform.worker.health import healthz

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("desk/", include("civicdesk.channels.desk.urls")),
    path("i18n/", include("django.conf.urls.i18n")),  # the language switch (cookie)
    path("", include("civicdesk.channels.open311.urls")),  # /open311/discovery.*, /open311/v2/…
    path("", include("civicdesk.channels.portal.urls")),
]

handler400 = "civicdesk.platform.views.bad_request"
handler404 = "civicdesk.platform.views.not_found"
handler500 = "civicdesk.platform.views.server_error"
