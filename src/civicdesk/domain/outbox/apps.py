from django.apps import AppConfig


class OutboxConfig(AppConfig):
    name = "civicdesk.domain.outbox"
    verbose_name = "Outbox"
