"""The staff API's files: list, upload (multipart), show or hide, download; refusals as the API's errors."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from civicdesk.domain.cases.models import CaseAttachment
from tests.api.conftest import BASE
from tests.fixtures.files import PDF, PHP_AS_JPEG, gps_of, kept_files, photo_with_gps

__all__ = ["kept_files"]

pytestmark = pytest.mark.usefixtures("kept_files")


def _upload(api: Any, reference: str, data: bytes, name: str, **fields: Any) -> Any:
    form = {"file": SimpleUploadedFile(name, data, "image/jpeg"), **fields}
    return api.client.post(f"{BASE}/cases/{reference}/attachments", form, headers=api._headers(None))


def test_upload_list_hide_and_download(api_as: Any, make_case: Any) -> None:
    case = make_case()
    roads = api_as("staff.roads")
    created = _upload(roads, case.reference, photo_with_gps(), "pothole.jpg", caption="Eastbound lane", public="true")
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["content_type"] == "image/jpeg"
    assert (body["is_image"], body["public"], body["caption"], body["source"]) == (
        True,
        True,
        "Eastbound lane",
        "staff",
    )
    assert _upload(roads, case.reference, PDF, "work-order.pdf").status_code == 201

    listed = roads.get(f"/cases/{case.reference}/attachments").json()
    assert [row["name"] for row in listed] == ["pothole.jpg", "work-order.pdf"]
    assert [row["public"] for row in listed] == [True, False]

    hidden = roads.post(f"/cases/{case.reference}/attachments/{body['id']}/public", {"public": False})
    assert hidden.status_code == 200
    assert hidden.json()["public"] is False
    again = roads.post(f"/cases/{case.reference}/attachments/{body['id']}/public", {"public": False})
    assert again.status_code == 409

    photo = roads.client.get(body["content_url"], headers=roads._headers(None))
    assert photo["Content-Type"] == "image/jpeg"
    assert photo["X-Content-Type-Options"] == "nosniff"
    assert gps_of(b"".join(photo.streaming_content)) == {}
    document = roads.client.get(listed[1]["content_url"], headers=roads._headers(None))
    assert document["Content-Type"] == "application/octet-stream"
    assert document["Content-Disposition"].startswith("attachment;")


def test_a_file_that_is_not_accepted_is_a_422_naming_the_field(api_as: Any, make_case: Any) -> None:
    case = make_case()
    response = _upload(api_as("staff.roads"), case.reference, PHP_AS_JPEG, "photo.jpg")
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["field"] == "file"
    assert "is not a photo" in error["message"]
    assert not CaseAttachment.objects.exists()


def test_roles_and_scope(api_as: Any, make_case: Any) -> None:
    case = make_case()  # a Roads pothole
    assert _upload(api_as("manager"), case.reference, PDF, "a.pdf").status_code == 403
    assert _upload(api_as("staff.forestry"), case.reference, PDF, "a.pdf").status_code == 404
    assert api_as("manager").get(f"/cases/{case.reference}/attachments").status_code == 200
    assert api_as("staff.forestry").get(f"/cases/{case.reference}/attachments").status_code == 404
    assert _upload(api_as(None), case.reference, PDF, "a.pdf").status_code == 401
