"""Staff two-factor sign-in: a code from an authenticator app (TOTP) or a single-use recovery code after the
password; required (when configured, as in production) for roles that can see residents' contacts."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

pytestmark = pytest.mark.django_db


def _code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def _signed_in(city: Any, username: str) -> Client:
    client = Client()
    client.force_login(city.staff(username))
    return client


def _queue() -> str:
    return reverse("desk:queue", args=["care"])


def test_staff_with_an_app_must_give_its_code_before_the_desk_opens(city: Any) -> None:
    device = TOTPDevice.objects.create(user=city.staff("csr.alex"), name="phone", confirmed=True)
    client = _signed_in(city, "csr.alex")

    first = client.get(_queue())
    assert first.status_code == 302
    assert first["Location"].startswith(reverse("desk:two_factor"))
    assert client.get("/admin/").status_code == 302

    right = client.post(reverse("desk:two_factor"), {"code": _code(device), "next": _queue()})
    assert right.status_code == 302
    assert right["Location"] == _queue()
    assert client.get(_queue()).status_code == 200


def test_a_wrong_code_is_refused_and_the_desk_stays_shut(city: Any) -> None:
    TOTPDevice.objects.create(user=city.staff("csr.alex"), name="phone", confirmed=True)
    client = _signed_in(city, "csr.alex")

    wrong = client.post(reverse("desk:two_factor"), {"code": "000000", "next": _queue()})
    assert wrong.status_code == 422
    assert "That code is not right" in wrong.content.decode()
    assert client.get(_queue()).status_code == 302


def test_a_recovery_code_signs_in_once(city: Any) -> None:
    user = city.staff("csr.alex")
    TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    recovery = StaticDevice.objects.create(user=user, name="recovery codes", confirmed=True)
    StaticToken.objects.create(device=recovery, token="rc7x2kq9")

    client = _signed_in(city, "csr.alex")
    assert client.post(reverse("desk:two_factor"), {"code": "rc7x2kq9"}).status_code == 302
    assert client.get(_queue()).status_code == 200

    again = _signed_in(city, "csr.alex")
    assert again.post(reverse("desk:two_factor"), {"code": "rc7x2kq9"}).status_code == 422


def test_when_required_a_role_that_sees_contacts_sets_up_an_app_and_gets_recovery_codes(
    city: Any, settings: Any
) -> None:
    settings.CIVICDESK_TWO_FACTOR_REQUIRED = True
    client = _signed_in(city, "csr.alex")

    sent = client.get(_queue())
    assert sent.status_code == 302
    assert sent["Location"].startswith(reverse("desk:two_factor_setup"))
    page = client.get(sent["Location"]).content.decode()
    assert "otpauth://totp/" in page
    device = TOTPDevice.objects.get(user=city.staff("csr.alex"), confirmed=False)

    done = client.post(reverse("desk:two_factor_setup"), {"code": _code(device), "next": _queue()})
    assert done.status_code == 200
    codes = re.findall(r"<li><code>([a-z0-9]+)</code></li>", done.content.decode())
    assert len(codes) == 10
    device.refresh_from_db()
    assert device.confirmed
    assert client.get(_queue()).status_code == 200


def test_when_required_a_role_that_never_sees_contacts_is_not_stopped(city: Any, settings: Any) -> None:
    settings.CIVICDESK_TWO_FACTOR_REQUIRED = True
    client = _signed_in(city, "manager")
    assert client.get(reverse("desk:home")).status_code in (200, 302)
    response = client.get(reverse("desk:home"))
    assert not response.get("Location", "").startswith("/desk/two-factor/")


def test_production_requires_two_factor_by_default(tmp_path: Any) -> None:
    from civicdesk.platform.config import read_config

    environ = {
        "CIVICDESK_MODE": "production",
        "CIVICDESK_DATA_DIR": str(tmp_path),
        "SECRET_KEY": "k7#Qp2!vX9@mL4$wR8^tY1&zB6*nC3(fH5)jD0_sG2+aE9-uI4",
        "ALLOWED_HOSTS": "civicdesk.pickering.ca",
    }
    assert read_config(environ).staff_two_factor_required
    assert not read_config({**environ, "CIVICDESK_MODE": "embedded"}).staff_two_factor_required
