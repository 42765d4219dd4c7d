from django.apps import AppConfig


class WorkerConfig(AppConfig):
    name = "civicdesk.platform.worker"
    verbose_name = "Background worker"
