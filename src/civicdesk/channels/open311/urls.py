"""Open311 at the site root: ``/open311/discovery.{xml,json}`` and GeoReport v2 under ``/open311/v2/``.

Mount with ``path("", include("civicdesk.channels.open311.urls"))`` (namespace ``open311``).
"""

from django.urls import path, re_path

from civicdesk.channels.open311 import views

app_name = "open311"

FORMAT = r"\.(?P<fmt>[^/.]+)$"

urlpatterns = [
    re_path(r"^open311/discovery" + FORMAT, views.discovery, name="discovery"),
    path("open311/v2/", views.discovery, name="root"),
    re_path(r"^open311/v2/services" + FORMAT, views.service_list, name="services"),
    re_path(r"^open311/v2/services/(?P<code>[^/]+)" + FORMAT, views.service_definition, name="service"),
    re_path(r"^open311/v2/requests" + FORMAT, views.requests, name="requests"),
    re_path(r"^open311/v2/requests/(?P<request_id>[^/]+)" + FORMAT, views.request_detail, name="request"),
    re_path(r"^open311/v2/tokens/(?P<token>[^/]+)" + FORMAT, views.token, name="token"),
    re_path(r"^open311/v2/servicerequestupdates" + FORMAT, views.updates, name="updates"),
    re_path(r"^open311/media/(?P<name>[0-9a-f]{32}\.(?:jpg|png|gif|webp))$", views.photo_view, name="media"),
    re_path(r"^open311/(?P<rest>.*)$", views.unknown, name="unknown"),
]
