from django.apps import AppConfig


class PortalConfig(AppConfig):
    """The public portal: report, confirmation, status look-up. No sign-in."""

    name = "civicdesk.portal"
    label = "portal"
    verbose_name = "Public portal"
