from django.apps import AppConfig


class CityConfig(AppConfig):
    name = "civicdesk.domain.city"
    verbose_name = "City: jurisdictions, departments and services"
