"""The second sign-in step (a code from the app or a recovery code) and setting up an authenticator app."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django_otp import devices_for_user, match_token
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

RECOVERY_CODES = 10


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=16,
        help_text=_("The six digits your authenticator app shows now, or one of your recovery codes."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return "/desk/"


@never_cache
@login_required(login_url="desk:login")
def verify(request: HttpRequest) -> HttpResponse:
    """Ask for the second factor of a staff member who has set one up."""
    user: Any = request.user
    status = 200
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = match_token(user, form.cleaned_data["code"].replace(" ", ""))
        if device is not None:
            otp_login(request, device)
            return redirect(_next(request))
        form.add_error("code", _("That code is not right, or was already used. Try the code the app shows now."))
    if request.method == "POST":
        status = 422
    return render(request, "desk/two_factor.html", {"form": form, "next": _next(request)}, status=status)


@never_cache
@login_required(login_url="desk:login")
def set_up(request: HttpRequest) -> HttpResponse:
    """Pair an authenticator app: show its key, confirm with a code, then show the recovery codes once."""
    user: Any = request.user
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists() and not user.is_verified():
        return redirect("desk:two_factor")
    device, _created = TOTPDevice.objects.get_or_create(
        user=user, confirmed=False, defaults={"name": "authenticator app"}
    )
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["code"].replace(" ", "")):
            codes = _confirm(user, device)
            otp_login(request, device)
            return render(request, "desk/two_factor_codes.html", {"codes": codes, "next": _next(request)})
        form.add_error("code", _("That code is not right. Check the app's clock and try the code it shows now."))
    if request.method == "POST":
        status = 422
    context = {"form": form, "key": _grouped(device), "uri": device.config_url, "next": _next(request)}
    return render(request, "desk/two_factor_setup.html", context, status=status)


@transaction.atomic
def _confirm(user: Any, device: TOTPDevice) -> list[str]:
    """The app becomes the user's one TOTP device; ten new recovery codes replace any earlier ones."""
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    StaticDevice.objects.filter(user=user).delete()
    recovery = StaticDevice.objects.create(user=user, name="recovery codes", confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=recovery, token=code) for code in codes])
    return codes


def _grouped(device: TOTPDevice) -> str:
    from base64 import b32encode

    key = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


def has_second_factor(user: Any) -> bool:
    return any(True for _device in devices_for_user(user, confirmed=True))
