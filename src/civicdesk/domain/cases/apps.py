from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "civicdesk.domain.cases"
    verbose_name = "Cases"
