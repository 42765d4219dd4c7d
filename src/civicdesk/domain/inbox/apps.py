from django.apps import AppConfig


class InboxConfig(AppConfig):
    name = "civicdesk.domain.inbox"
    verbose_name = "Mail in"
