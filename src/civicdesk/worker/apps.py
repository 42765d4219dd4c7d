from django.apps import AppConfig


class WorkerConfig(AppConfig):
    name = "civicdesk.worker"
    verbose_name = "Background worker"
