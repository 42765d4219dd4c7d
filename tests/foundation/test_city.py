"""The city's structure: validation that keeps each jurisdiction's rows consistent, and the admin's scoping."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from civicdesk.domain.city.models import Department, Division, Jurisdiction, Service
from civicdesk.domain.staff.models import User
from civicdesk.domain.staff.roles import Role
from civicdesk.engines.standards import load_profile
from civicdesk.platform.demo.city import DEPARTMENTS, SERVICES, STAFF, load_demo_city
from tests.factories import DepartmentFactory, JurisdictionFactory, ServiceFactory, StaffFactory

pytestmark = pytest.mark.django_db


def test_jurisdiction_rejects_an_unsupported_language_and_an_unknown_profile() -> None:
    city = Jurisdiction(slug="x", name="X", languages=["en", "tlh"], profile="atlantis")
    with pytest.raises(ValidationError) as error:
        city.full_clean()
    assert set(error.value.message_dict) == {"profile", "languages"}
    assert "tlh" in error.value.message_dict["languages"][0]


@pytest.mark.parametrize(
    ("profile", "zone"),
    [("pickering", "America/Toronto"), ("lawrence", "America/Chicago"), ("santa-ana", "America/Los_Angeles")],
)
def test_a_jurisdictions_zone_is_its_profiles_calendar_zone(profile: str, zone: str) -> None:
    city = JurisdictionFactory(profile=profile)
    assert city.zone == load_profile(profile).calendar.tz
    assert str(city.zone) == zone


def test_service_code_is_unique_within_a_jurisdiction_only() -> None:
    service = ServiceFactory(code="POTHOLE")
    ServiceFactory(code="POTHOLE")  # another city may use the same code
    with pytest.raises(IntegrityError), transaction.atomic():
        ServiceFactory(code="POTHOLE", department=service.department)


def test_service_cannot_point_at_another_citys_department() -> None:
    department = DepartmentFactory()
    service = Service(jurisdiction=JurisdictionFactory(), department=department, code="X", name="X", category="General")
    with pytest.raises(ValidationError) as error:
        service.full_clean()
    assert "department" in error.value.message_dict


def test_service_code_must_be_a_plain_identifier() -> None:
    service = ServiceFactory.build(department=DepartmentFactory(), code="pot hole/1")
    service.jurisdiction = service.department.jurisdiction
    with pytest.raises(ValidationError) as error:
        service.full_clean()
    assert "code" in error.value.message_dict


def test_demo_city_loads_twice_without_duplicates() -> None:
    first = load_demo_city()
    counts = (Department.objects.count(), Division.objects.count(), Service.objects.count(), User.objects.count())
    second = load_demo_city()

    assert first == second
    assert counts == (len(DEPARTMENTS), sum(len(d[3]) for d in DEPARTMENTS.values()), len(SERVICES), len(STAFF))
    assert (
        Department.objects.count(),
        Division.objects.count(),
        Service.objects.count(),
        User.objects.count(),
    ) == counts
    assert Jurisdiction.objects.get().slug == "pickering"


def test_demo_city_has_every_role_and_an_escalation_chain_for_every_service() -> None:
    load_demo_city()
    for role in Role:
        assert User.objects.filter(groups__name=role.label).exists(), role
    for service in Service.objects.select_related("department__director", "division__supervisor"):
        assert service.department.director is not None, service
        assert service.division is not None
        assert service.division.supervisor is not None, service
    assert Service.objects.filter(is_hazard=True).exists()
    for category in ("Roads", "Trees", "By-law", "Waste", "Parks & facilities", "Water"):
        assert Service.objects.filter(category=category).exists(), category
    staff = User.objects.get(username="csr.alex")
    assert staff.check_password("civicdesk-demo")


def test_admin_shows_a_citys_administrator_only_their_own_services(client) -> None:
    home, elsewhere = JurisdictionFactory(name="Home"), JurisdictionFactory(name="Elsewhere")
    ServiceFactory(department=DepartmentFactory(jurisdiction=home), name="Home pothole")
    ServiceFactory(department=DepartmentFactory(jurisdiction=elsewhere), name="Other pothole")
    admin = StaffFactory(jurisdiction=home, role=Role.CARE_ADMIN, is_staff=True)
    client.force_login(admin)

    page = client.get("/admin/city/service/")

    assert page.status_code == 200
    assert "Home pothole" in page.content.decode()
    assert "Other pothole" not in page.content.decode()


def test_admin_refuses_a_csr_changing_services(client) -> None:
    service = ServiceFactory()
    csr = StaffFactory(jurisdiction=service.jurisdiction, role=Role.CSR, is_staff=True)
    client.force_login(csr)

    assert client.get(f"/admin/city/service/{service.pk}/change/").status_code in (200, 403)
    response = client.post(f"/admin/city/service/{service.pk}/change/", {"name": "Renamed"})
    assert response.status_code == 403
    service.refresh_from_db()
    assert service.name != "Renamed"
