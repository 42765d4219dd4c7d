"""The desk's own sign-in page (accessible, translated) and sign-out."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import reverse

from civicdesk.desk.forms import StaffLoginForm


class StaffLoginView(auth_views.LoginView):
    template_name = "desk/login.html"
    authentication_form = StaffLoginForm
    redirect_authenticated_user = True

    def get_default_redirect_url(self) -> str:
        return reverse("desk:home")


class StaffLogoutView(auth_views.LogoutView):
    next_page = "desk:login"
