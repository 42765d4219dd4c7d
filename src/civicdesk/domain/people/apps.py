from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "civicdesk.domain.people"
    verbose_name = "Residents and contacts"
