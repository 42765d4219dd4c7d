from django.apps import AppConfig


class UiConfig(AppConfig):
    """The UI kit the desk and the portal share: the base page, form fields and error summary, template tags,
    widgets, wording of clocks and dates, and the static assets (CSS, JS, vendored htmx)."""

    name = "civicdesk.channels.ui"
    label = "ui"
    verbose_name = "User interface kit"
