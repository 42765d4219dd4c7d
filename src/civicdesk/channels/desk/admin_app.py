"""``django.contrib.admin`` whose site signs staff in through the same throttle as the desk.

It takes the place of ``django.contrib.admin`` in INSTALLED_APPS, so
``admin.site`` (and every ``@admin.register``) is that site.
"""

from django.contrib.admin.apps import AdminConfig as DjangoAdminConfig


class AdminConfig(DjangoAdminConfig):
    default_site = "civicdesk.channels.desk.views.auth.StaffAdminSite"
