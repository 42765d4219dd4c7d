"""Discovery, GET services and GET service definition: exact element names, schemas, strings for codes."""

from __future__ import annotations

from typing import Any

import pytest

from tests.open311.conftest import Open311, errors_of, validate, xml_root


def test_discovery_in_both_formats_points_at_v2(client: Any, city: Any) -> None:
    body = client.get("/open311/discovery.json").json()
    assert set(body) == {"changeset", "contact", "key_service", "endpoints"}
    (endpoint,) = body["endpoints"]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"] == "http://testserver/open311/v2"
    assert endpoint["formats"] == ["text/xml", "application/json"]
    assert endpoint["type"] == "production"

    root = xml_root(client.get("/open311/discovery.xml"))
    assert root.tag == "discovery"
    assert [e.tag for e in root.find("endpoints")] == ["endpoint"]
    assert [f.text for f in root.find("endpoints/endpoint/formats")] == ["text/xml", "application/json"]
    assert root.findtext("endpoints/endpoint/url") == "http://testserver/open311/v2"


def test_services_list_validates_and_lists_only_public_active_services(o311: Open311, city: Any) -> None:
    from civicdesk.domain.city.models import Service

    Service.objects.filter(jurisdiction=city.jurisdiction, code="DITCH").update(public=False)
    Service.objects.filter(jurisdiction=city.jurisdiction, code="BULK").update(active=False)
    response = o311.get("services.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    body = response.json()
    validate("services.json", body)
    codes = [s["service_code"] for s in body]
    assert "POTHOLE" in codes
    assert "DITCH" not in codes
    assert "BULK" not in codes
    pothole = next(s for s in body if s["service_code"] == "POTHOLE")
    assert pothole == {
        "service_code": "POTHOLE",
        "service_name": "Pothole",
        "description": "A pothole on a road or in a city parking lot.",
        "metadata": True,  # every service asks the SAFETY question
        "type": "realtime",
        "keywords": None,
        "group": "Roads",
    }


def test_services_xml_uses_the_spec_element_names(o311: Open311, questions: Any) -> None:
    root = xml_root(o311.get("services.xml"))
    assert root.tag == "services"
    assert {child.tag for child in root} == {"service"}
    pothole = next(s for s in root if s.findtext("service_code") == "POTHOLE")
    assert [e.tag for e in pothole] == [
        "service_code",
        "service_name",
        "description",
        "metadata",
        "type",
        "keywords",
        "group",
    ]
    assert pothole.findtext("metadata") == "true"  # it has questions
    assert pothole.findtext("keywords") == ""
    assert pothole.findtext("type") == "realtime"


def test_service_definition_has_every_datatype_in_order(o311: Open311, questions: Any) -> None:
    body = o311.get("services/POTHOLE.json").json()
    validate("service-definition.json", body)
    assert body["service_code"] == "POTHOLE"
    attributes = body["attributes"]
    assert [a["code"] for a in attributes] == [
        "DEPTH",
        "LANE",
        "SEEN",
        "DETAILS",
        "WHERE",
        "HAZARDS",
        "NOTE",
        "SAFETY",  # asked by every service, after the city's own questions
    ]
    assert [a["datatype"] for a in attributes[:6]] == [
        "number",
        "string",
        "datetime",
        "text",
        "singlevaluelist",
        "multivaluelist",
    ]
    assert [a["order"] for a in attributes] == [1, 2, 3, 4, 5, 6, 7, 8]
    depth, where, note = attributes[0], attributes[4], attributes[6]
    assert depth["required"] is True
    assert depth["variable"] is True
    assert depth["datatype_description"] == "A number"
    assert "values" not in depth
    assert where["values"] == [
        {"key": "road", "name": "In the road"},
        {"key": "curb", "name": "At the curb"},
        {"key": "lot", "name": "Parking lot"},
    ]
    assert note["variable"] is False


def test_service_definition_xml_nests_attributes_and_values(o311: Open311, questions: Any) -> None:
    root = xml_root(o311.get("services/POTHOLE.xml"))
    assert root.tag == "service_definition"
    assert root.findtext("service_code") == "POTHOLE"
    attributes = root.find("attributes")
    assert attributes is not None
    assert {a.tag for a in attributes} == {"attribute"}
    where = next(a for a in attributes if a.findtext("code") == "WHERE")
    assert [e.tag for e in where] == [
        "variable",
        "code",
        "datatype",
        "required",
        "datatype_description",
        "order",
        "description",
        "values",
    ]
    values = where.find("values")
    assert values is not None
    assert [(v.tag, v.findtext("key"), v.findtext("name")) for v in values] == [
        ("value", "road", "In the road"),
        ("value", "curb", "At the curb"),
        ("value", "lot", "Parking lot"),
    ]


def test_service_without_questions_asks_only_the_safety_question(o311: Open311, city: Any) -> None:
    body = o311.get("services/GRAFFITI.json").json()
    validate("service-definition.json", body)
    assert [a["code"] for a in body["attributes"]] == ["SAFETY"]
    root = xml_root(o311.get("services/GRAFFITI.xml"))
    attributes = root.find("attributes")
    assert attributes is not None
    assert [a.findtext("code") for a in attributes] == ["SAFETY"]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_unknown_or_hidden_service_code_is_404_in_the_errors_array(o311: Open311, city: Any, fmt: str) -> None:
    from civicdesk.domain.city.models import Service

    Service.objects.filter(jurisdiction=city.jurisdiction, code="DITCH").update(public=False)
    for code in ("NOPE", "DITCH"):
        response = o311.get(f"services/{code}.{fmt}")
        assert response.status_code == 404
        (error,) = errors_of(response)
        assert code in error["description"]


@pytest.mark.parametrize("path", ["services.csv", "services/POTHOLE.html", "requests.yaml", "tokens/abc.txt"])
def test_unsupported_format_suffix_is_400_in_xml(o311: Open311, city: Any, path: str) -> None:
    response = o311.get(path)
    assert response.status_code == 400
    (error,) = errors_of(response)
    assert "format" in error["description"]


@pytest.mark.parametrize(("path", "status"), [("services", 400), ("requests/", 400), ("nothing.json", 404)])
def test_missing_suffix_or_unknown_resource_is_an_error_array(client: Any, city: Any, path: str, status: int) -> None:
    response = client.get(f"/open311/v2/{path}")
    assert response.status_code == status
    errors_of(response)


def test_wrong_method_is_405_with_allow(client: Any, city: Any) -> None:
    response = client.post("/open311/v2/services.json")
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"
    errors_of(response)


def test_empty_parameters_are_treated_as_absent(o311: Open311, city: Any) -> None:
    assert o311.get("services.json", jurisdiction_id="").json() == o311.get("services.json").json()


def test_jurisdiction_id_is_optional_with_one_city_and_404_when_unknown(o311: Open311, city: Any) -> None:
    assert o311.get("services.json", jurisdiction_id="pickering").status_code == 200
    response = o311.get("services.xml", jurisdiction_id="sfgov.org")
    assert response.status_code == 404
    assert "sfgov.org" in errors_of(response)[0]["description"]


def test_jurisdiction_id_is_required_when_two_cities_are_served(o311: Open311, city: Any) -> None:
    from tests.factories import JurisdictionFactory, ServiceFactory

    other = JurisdictionFactory(slug="lawrenceks.org", name="City of Lawrence", profile="lawrence")
    ServiceFactory(jurisdiction=other, department__jurisdiction=other, code="TRASH", name="Trash")
    response = o311.get("services.json")
    assert response.status_code == 400
    assert "jurisdiction_id" in errors_of(response)[0]["description"]
    lawrence = o311.get("services.json", jurisdiction_id="lawrenceks.org").json()
    assert [s["service_code"] for s in lawrence] == ["TRASH"]
    assert o311.get("services/TRASH.json", jurisdiction_id="pickering").status_code == 404


def test_responses_are_utf8(o311: Open311, city: Any) -> None:
    from civicdesk.domain.city.models import Service

    Service.objects.filter(jurisdiction=city.jurisdiction, code="PARK").update(
        name="Entretien des parcs — pelouse & déchets"
    )
    body = o311.get("services.json").content.decode("utf-8")
    assert "Entretien des parcs — pelouse & déchets" in body
    root = xml_root(o311.get("services.xml"))
    names = [s.findtext("service_name") for s in root]
    assert "Entretien des parcs — pelouse & déchets" in names


def test_discovery_changeset_moves_when_a_service_definition_changes(client: Any, questions: Any) -> None:
    from datetime import timedelta

    from civicdesk.channels.open311.models import AttributeValue
    from civicdesk.platform import timesource
    from tests.fixtures.clock import NOW

    before = client.get("/open311/discovery.json").json()["changeset"]
    assert before == "2026-11-17T15:00:00Z"
    with timesource.frozen_at(NOW + timedelta(days=2)):
        value = AttributeValue.objects.get(key="lot")
        value.name = "City parking lot"
        value.save()
    after = client.get("/open311/discovery.json").json()["changeset"]
    assert after == "2026-11-19T15:00:00Z"
    assert after > before
