from django.apps import AppConfig
from django.db.models.signals import post_migrate


class StaffConfig(AppConfig):
    name = "civicdesk.domain.staff"
    verbose_name = "Staff and roles"

    def ready(self) -> None:
        from civicdesk.domain.staff.roles import sync_roles_after_migrate

        # Permissions only exist once every app has migrated, so the role groups
        # are brought up to date after each `migrate`, never in a migration.
        post_migrate.connect(sync_roles_after_migrate, dispatch_uid="civicdesk.domain.staff.sync_roles")
