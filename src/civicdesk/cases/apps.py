from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "civicdesk.cases"
    verbose_name = "Cases"
