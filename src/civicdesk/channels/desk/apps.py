from django.apps import AppConfig


class DeskConfig(AppConfig):
    """The staff desk: queues, intake, the case page, escalations and the outstanding report."""

    name = "civicdesk.channels.desk"
    label = "desk"
    verbose_name = "Staff desk"
