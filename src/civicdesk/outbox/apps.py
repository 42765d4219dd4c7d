from django.apps import AppConfig


class OutboxConfig(AppConfig):
    name = "civicdesk.outbox"
    verbose_name = "Outbox"
