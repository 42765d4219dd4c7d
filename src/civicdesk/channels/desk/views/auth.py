"""Staff sign-in, throttled on both doors: the desk's own page (accessible, translated) and the admin's; sign-out."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse

from civicdesk.channels.desk.forms import AdminLoginForm, StaffLoginForm, ThrottledAuthenticationForm


def answer_throttled(response: HttpResponse, form: object) -> HttpResponse:
    """429 with Retry-After when the sign-in throttle refused the attempt; the form says why."""
    if isinstance(form, ThrottledAuthenticationForm) and form.retry_after:
        response.status_code = 429
        response["Retry-After"] = str(form.retry_after)
    return response


class StaffLoginView(auth_views.LoginView):
    template_name = "desk/login.html"
    authentication_form = StaffLoginForm
    redirect_authenticated_user = True

    def get_default_redirect_url(self) -> str:
        return reverse("desk:home")

    def form_invalid(self, form: AuthenticationForm) -> HttpResponse:
        return answer_throttled(super().form_invalid(form), form)


class StaffLogoutView(auth_views.LogoutView):
    next_page = "desk:login"


class StaffAdminSite(admin.AdminSite):
    """The administration site (see :mod:`civicdesk.channels.desk.admin_app`), its sign-in behind the staff throttle."""

    login_form = AdminLoginForm

    def login(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        response = super().login(request, extra_context)
        if isinstance(response, TemplateResponse) and response.context_data:
            return answer_throttled(response, response.context_data.get("form"))
        return response
