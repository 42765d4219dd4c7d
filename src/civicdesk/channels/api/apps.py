from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "civicdesk.channels.api"
    label = "api"
    verbose_name = "Staff API"
