"""An independent client drives the server over HTTP: ``georeport`` (PyPI), in both of its formats.

georeport 0.3 reads only (services, definitions, requests); it cannot post, so
the reports are posted with a plain form POST, as FixMyStreet's client does.
"""

from __future__ import annotations

import urllib.parse
import urllib.request
from typing import Any

import pytest
from georeport import GeoReport  # type: ignore[import-untyped]

from tests.open311.conftest import validate


def _post(base: str, form: dict[str, str]) -> None:
    data = urllib.parse.urlencode(form).encode()
    request = urllib.request.Request(f"{base}/requests.xml", data=data, method="POST")  # noqa: S310 — local server
    request.add_header("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        assert response.status == 200


@pytest.fixture
def served(live_server: Any, questions: Any, key: str) -> str:
    base = f"{live_server.url}/open311/v2"
    _post(
        base,
        {
            "api_key": key,
            "jurisdiction_id": "pickering",
            "service_code": "POTHOLE",
            "lat": "43.8354",
            "long": "-79.0867",
            "description": "Nid-de-poule profond devant l'école — très dangereux",
            "attribute[DEPTH]": "15",
            "attribute[WHERE]": "road",
        },
    )
    _post(base, {"api_key": key, "service_code": "GRAFFITI", "address_string": "1 The Esplanade, Pickering, ON"})
    return base


@pytest.mark.parametrize("output_format", ["json", "xml"])
def test_georeport_lists_services_reads_a_definition_and_fetches_requests(served: str, output_format: str) -> None:
    client = GeoReport(served, jurisdiction="pickering", output_format=output_format)

    services = client.get_service_list()
    codes = [s["service_code"] for s in services]
    assert "POTHOLE" in codes
    assert "GRAFFITI" in codes
    pothole = next(s for s in services if s["service_code"] == "POTHOLE")
    assert pothole["service_name"] == "Pothole"
    assert str(pothole["metadata"]).lower() == "true"

    definition = client.get_service_definition("POTHOLE")
    assert definition["service_code"] == "POTHOLE"
    attributes = definition["attributes"] if output_format == "json" else definition["attributes"]["attribute"]
    assert [a["code"] for a in attributes][:2] == ["DEPTH", "LANE"]
    where = next(a for a in attributes if a["code"] == "WHERE")
    values = where["values"] if output_format == "json" else where["values"]["value"]
    assert [v["key"] for v in values] == ["road", "curb", "lot"]

    requests = client.get_service_requests()
    if output_format == "xml" and isinstance(requests, dict):
        requests = [requests]
    assert len(requests) == 2
    pothole_request = next(r for r in requests if r["service_code"] == "POTHOLE")
    assert pothole_request["description"] == "Nid-de-poule profond devant l'école — très dangereux"
    assert pothole_request["status"] == "open"
    assert pothole_request["expected_datetime"] == "2026-11-18T16:30:00-05:00"

    only_graffiti = client.get_service_requests(service_code="GRAFFITI", status="open")
    if isinstance(only_graffiti, dict):
        only_graffiti = [only_graffiti]
    assert [r["service_code"] for r in only_graffiti] == ["GRAFFITI"]

    one = client.get_service_request(pothole_request["service_request_id"])
    assert one["service_request_id"] == pothole_request["service_request_id"]
    if output_format == "json":
        validate("services.json", services)
        validate("service-definition.json", definition)
        validate("requests.json", requests)
        validate("request.json", one)
