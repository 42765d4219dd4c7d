from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "civicdesk.people"
    verbose_name = "Residents and contacts"
