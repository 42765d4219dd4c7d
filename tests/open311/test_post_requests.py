"""POST requests: a report becomes a case through create_case, with its commitments; every bad input is a 4xx array."""

from __future__ import annotations

import csv
import io
import struct
from decimal import Decimal
from typing import Any

import pytest

from tests.open311.conftest import DATA_311, POTHOLE_ANSWERS, Open311, errors_of, xml_root

LOCATION = {"lat": "43.835400", "long": "-79.086700"}


def _png(extra_chunks: bytes = b"") -> bytes:
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
    pixels = chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
    return b"\x89PNG\r\n\x1a\n" + header + extra_chunks + pixels + chunk(b"IEND", b"")


def _jpeg_with_exif(secret: bytes) -> bytes:
    """A real, decodable JPEG whose EXIF holds ``secret`` (uploads are decoded and re-encoded)."""
    import io

    from PIL import Image

    exif = Image.Exif()
    exif[0x010E] = secret.decode()  # ImageDescription
    out = io.BytesIO()
    Image.new("RGB", (4, 4), (200, 30, 30)).save(out, format="JPEG", exif=exif.tobytes())
    return out.getvalue()


def _pixels(data: bytes) -> list[object]:
    import io

    from PIL import Image

    with Image.open(io.BytesIO(data)) as image:
        return list(image.convert("RGB").tobytes())


def test_post_creates_a_case_with_its_commitments_and_service_notice(o311: Open311, city: Any) -> None:
    from civicdesk.domain.cases.models import Case, Commitment

    response = o311.post(
        service_code="POTHOLE",
        description="Deep pothole in the eastbound lane at Kingston Rd & Liverpool Rd.",
        **LOCATION,
    )
    assert response.status_code == 200, response.content
    (body,) = response.json()
    assert set(body) == {"service_request_id", "service_notice"}
    assert isinstance(body["service_request_id"], str)
    case = Case.objects.get(reference=body["service_request_id"])
    assert case.channel == "open311"
    assert case.kind == "service_request"
    assert case.service.code == "POTHOLE"
    assert case.department.code == "roads"
    assert case.hazard is True  # POTHOLE is a hazard service: PK-HAZARD applies
    assert (case.latitude, case.longitude) == (Decimal("43.835400"), Decimal("-79.086700"))
    standards = set(Commitment.objects.filter(case=case).values_list("standard", flat=True))
    assert {"PK-ACK-1BD", "PK-HAZARD"} <= standards
    # A hazard service's report is told the city's emergency advice first, then what is owed.
    assert body["service_notice"].startswith("If anyone is hurt or in danger, call 911 now.")
    assert body["service_notice"].endswith(
        "Acknowledged within 1 business day (PK-ACK-1BD); hazard inspected within 1 business day (PK-HAZARD)"
    )
    created = case.journal.get(sequence=1)
    assert created.actor_label == "FixMyStreet via Open311"


def test_post_xml_response_has_service_requests_request(o311: Open311, city: Any) -> None:
    response = o311.post("xml", service_code="GRAFFITI", address_string="1 The Esplanade, Pickering")
    assert response.status_code == 200
    root = xml_root(response)
    assert root.tag == "service_requests"
    (request,) = list(root)
    assert request.tag == "request"
    assert [e.tag for e in request] == ["service_request_id", "service_notice"]
    assert request.findtext("service_notice") == "Acknowledged within 1 business day (PK-ACK-1BD)"


def test_location_by_address_id_alone_is_enough(o311: Open311, city: Any) -> None:
    from civicdesk.channels.open311.models import Submission

    response = o311.post(service_code="STREETLIGHT", address_id="PK-ADDR-000123", description="Light out")
    assert response.status_code == 200
    submission = Submission.objects.get(case__reference=response.json()[0]["service_request_id"])
    assert submission.address_id == "PK-ADDR-000123"
    assert submission.case.address == ""


def test_attributes_of_every_datatype_are_checked_and_kept(o311: Open311, questions: Any) -> None:
    from civicdesk.channels.open311.models import Submission

    response = o311.client.post(
        "/open311/v2/requests.json",
        "&".join(
            [
                f"api_key={o311.key}",
                "service_code=POTHOLE",
                "lat=43.8354",
                "long=-79.0867",
                "attribute[DEPTH]=12.5",
                "attribute[LANE]=eastbound%20curb%20lane",
                "attribute[SEEN]=2026-11-16T08:00:00-05:00",
                "attribute[DETAILS]=two%0Alines",
                "attribute[WHERE]=road",
                "attribute[HAZARDS][]=deep",
                "attribute[HAZARDS][]=water",
                "attribute[fixmystreet_id]=1001",  # a code the service does not ask: ignored
            ]
        ),
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200, response.content
    submission = Submission.objects.get(case__reference=response.json()[0]["service_request_id"])
    assert submission.attributes == {
        "DEPTH": 12.5,
        "LANE": "eastbound curb lane",
        "SEEN": "2026-11-16T13:00:00+00:00",
        "DETAILS": "two\nlines",
        "WHERE": "road",
        "HAZARDS": ["deep", "water"],
    }


@pytest.mark.parametrize(
    ("answers", "fragment"),
    [
        ({"attribute[DEPTH]": "deep", "attribute[WHERE]": "road"}, "attribute[DEPTH] must be a number"),
        ({"attribute[DEPTH]": "nan", "attribute[WHERE]": "road"}, "attribute[DEPTH] must be a number"),
        ({"attribute[DEPTH]": "3", "attribute[WHERE]": "sky"}, "attribute[WHERE] has no choice 'sky'"),
        ({"attribute[DEPTH]": "3"}, "attribute[WHERE] is required"),
        ({"attribute[WHERE]": "road"}, "attribute[DEPTH] is required"),
        ({**POTHOLE_ANSWERS, "attribute[SEEN]": "last tuesday"}, "attribute[SEEN] must be an ISO 8601 date-time"),
        ({**POTHOLE_ANSWERS, "attribute[LANE]": "one\ntwo"}, "attribute[LANE] must be one line"),
        ({**POTHOLE_ANSWERS, "attribute[HAZARDS][]": ["deep", "lava"]}, "attribute[HAZARDS] has no choice 'lava'"),
        ({**POTHOLE_ANSWERS, "attribute[WHERE][]": ["road", "curb"]}, "attribute[WHERE] takes one value"),
    ],
)
def test_wrong_attribute_answers_are_400_naming_the_attribute(
    o311: Open311, questions: Any, answers: dict[str, Any], fragment: str
) -> None:
    from civicdesk.domain.cases.models import Case

    response = o311.post(service_code="POTHOLE", **LOCATION, **answers)
    assert response.status_code == 400
    assert any(fragment in e["description"] for e in errors_of(response)), errors_of(response)
    assert not Case.objects.exists()  # never a partial write


@pytest.mark.parametrize(
    ("form", "status", "fragment"),
    [
        ({"service_code": "NOPE", **LOCATION}, 404, "service_code 'NOPE' was not found"),
        ({**LOCATION}, 400, "service_code is required"),
        ({"service_code": "GRAFFITI"}, 400, "a location is required"),
        ({"service_code": "GRAFFITI", "lat": "", "long": "", "address_string": ""}, 400, "a location is required"),
        ({"service_code": "GRAFFITI", "lat": "43.8"}, 400, "lat and long must be sent together"),
        ({"service_code": "GRAFFITI", "lat": "north", "long": "-79"}, 400, "lat must be a number"),
        ({"service_code": "GRAFFITI", "lat": "91", "long": "-79"}, 400, "lat must be between -90 and 90"),
        ({"service_code": "GRAFFITI", "lat": "43", "long": "-181"}, 400, "long must be between -180 and 180"),
        ({"service_code": "GRAFFITI", "lat": "inf", "long": "0"}, 400, "lat must be between"),
        ({"service_code": "GRAFFITI", **LOCATION, "description": "x" * 4001}, 400, "description is 4001 characters"),
        ({"service_code": "GRAFFITI", "address_string": "y" * 301}, 400, "address_string is 301 characters"),
        ({"service_code": "GRAFFITI", **LOCATION, "email": "not-an-email"}, 400, "email is not a valid"),
        ({"service_code": "GRAFFITI", **LOCATION, "phone": "5" * 41}, 400, "phone is 41 characters"),
        ({"service_code": "GRAFFITI", **LOCATION, "media_url": "javascript:alert(1)"}, 400, "media_url must be"),
        ({"service_code": "GRAFFITI", **LOCATION, "description": "a\x00b"}, 400, "NUL"),
        ({"service_code": "GRAFFITI", **LOCATION, "jurisdiction_id": "nowhere"}, 404, "jurisdiction_id 'nowhere'"),
    ],
)
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_bad_reports_get_the_errors_array_with_the_right_status(
    o311: Open311, city: Any, form: dict[str, str], status: int, fragment: str, fmt: str
) -> None:
    from civicdesk.domain.cases.models import Case

    response = o311.post(fmt, **form)
    assert response.status_code == status
    assert any(fragment in e["description"] for e in errors_of(response)), errors_of(response)
    assert not Case.objects.exists()


def test_every_problem_is_reported_at_once(o311: Open311, questions: Any) -> None:
    response = o311.post(service_code="POTHOLE", lat="95", long="x", description="x" * 5000, email="@")
    assert response.status_code == 400
    descriptions = " | ".join(e["description"] for e in errors_of(response))
    for fragment in ("lat must be between", "long must be a number", "description is 5000", "email", "DEPTH", "WHERE"):
        assert fragment in descriptions


@pytest.mark.parametrize(
    ("key", "fragment"), [(None, "api_key is required"), ("o311_wrong", "invalid"), ("", "api_key is required")]
)
def test_post_without_a_valid_key_is_403(o311: Open311, city: Any, key: str | None, fragment: str) -> None:
    from civicdesk.domain.cases.models import Case

    response = o311.post(key=key, service_code="GRAFFITI", **LOCATION)
    assert response.status_code == 403
    assert fragment in errors_of(response)[0]["description"]
    assert not Case.objects.exists()


def test_a_revoked_key_is_refused(o311: Open311, city: Any) -> None:
    from civicdesk.channels.open311.keys import revoke
    from civicdesk.channels.open311.models import ApiKey

    assert o311.post(service_code="GRAFFITI", **LOCATION).status_code == 200
    revoke(ApiKey.objects.all())
    response = o311.post(service_code="GRAFFITI", **LOCATION)
    assert response.status_code == 403
    assert "revoked" in errors_of(response)[0]["description"]


def test_a_key_for_one_jurisdiction_cannot_post_to_another(city: Any) -> None:
    from civicdesk.channels.open311.keys import issue_key
    from tests.factories import JurisdictionFactory, ServiceFactory

    other = JurisdictionFactory(slug="lawrenceks.org", name="City of Lawrence", profile="lawrence")
    ServiceFactory(jurisdiction=other, department__jurisdiction=other, code="TRASH")
    _row, lawrence_key = issue_key(client_name="Lawrence app", jurisdiction=other)
    client = Open311(lawrence_key)
    response = client.post(service_code="GRAFFITI", jurisdiction_id="pickering", **LOCATION)
    assert response.status_code == 403
    assert client.post(service_code="TRASH", jurisdiction_id="lawrenceks.org", **LOCATION).status_code == 200
    missing = client.post(service_code="TRASH", **LOCATION)
    assert missing.status_code == 400
    assert "jurisdiction_id is required" in errors_of(missing)[0]["description"]


def test_contact_fields_become_the_cases_contact(o311: Open311, city: Any) -> None:
    from civicdesk.channels.open311.models import Submission
    from civicdesk.domain.cases.models import Case

    response = o311.post(
        service_code="GRAFFITI",
        description="Tags on the bridge",
        first_name="Priya",
        last_name="Ramanathan",
        email="priya.r@example.org",
        phone="905-555-0199",
        device_id="A1B2C3-DEVICE",
        account_id="acct-778899",
        **LOCATION,
    )
    case = Case.objects.select_related("contact").get(reference=response.json()[0]["service_request_id"])
    assert case.contact.name == "Priya Ramanathan"
    assert case.contact.email == "priya.r@example.org"
    assert case.contact.phone == "905-555-0199"
    submission = Submission.objects.get(case=case)
    assert (submission.device_id, submission.account_id) == ("A1B2C3-DEVICE", "acct-778899")


def test_a_retry_with_the_same_idempotency_key_makes_one_case(o311: Open311, city: Any) -> None:
    from civicdesk.domain.cases.models import Case

    form = {"service_code": "GRAFFITI", "description": "Tags on the bridge", **LOCATION}
    first = o311.post(headers={"Idempotency-Key": "fms-report-1001"}, **form)
    again = o311.post(headers={"Idempotency-Key": "fms-report-1001"}, **form)
    assert first.status_code == again.status_code == 200
    assert first.json() == again.json()
    assert Case.objects.count() == 1
    by_token = o311.post(token="fms-report-1002", **form)
    by_token_again = o311.post(token="fms-report-1002", **form)
    assert by_token.json() == by_token_again.json()
    assert Case.objects.count() == 2


def test_a_reused_idempotency_key_with_another_report_is_refused(o311: Open311, city: Any) -> None:
    from civicdesk.domain.cases.models import Case

    assert o311.post(token="t-1", service_code="GRAFFITI", **LOCATION).status_code == 200
    response = o311.post(token="t-1", service_code="PARK", **LOCATION)
    assert response.status_code == 400
    assert "already used" in errors_of(response)[0]["description"]
    assert Case.objects.count() == 1


def test_token_resolves_to_the_request_id(o311: Open311, city: Any) -> None:
    response = o311.post(token="fms-77", service_code="GRAFFITI", **LOCATION)
    request_id = response.json()[0]["service_request_id"]
    assert o311.get("tokens/fms-77.json").json() == [{"service_request_id": request_id, "token": "fms-77"}]
    root = xml_root(o311.get("tokens/fms-77.xml"))
    assert root.tag == "service_requests"
    assert root.findtext("request/service_request_id") == request_id
    assert root.findtext("request/token") == "fms-77"
    missing = o311.get("tokens/unknown.json")
    assert missing.status_code == 404
    errors_of(missing)


def test_multipart_with_a_photo_stores_it_stripped_and_serves_it(o311: Open311, city: Any, media_root: Any) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    photo = SimpleUploadedFile("IMG_0001.jpg", _jpeg_with_exif(b"GPS 43.8354 -79.0867 owner=Priya"), "image/jpeg")
    response = o311.client.post(
        "/open311/v2/requests.json",
        {"api_key": o311.key, "service_code": "GRAFFITI", **LOCATION, "media": photo},
    )
    assert response.status_code == 200, response.content
    request_id = response.json()[0]["service_request_id"]
    (stored,) = list((media_root / "open311").iterdir())
    assert b"Priya" not in stored.read_bytes()
    assert stored.read_bytes().startswith(b"\xff\xd8")
    assert "IMG_0001" not in stored.name
    (request,) = o311.get(f"requests/{request_id}.json").json()
    assert request["media_url"] == f"http://testserver/open311/media/{stored.name}"
    served: Any = o311.client.get(f"/open311/media/{stored.name}")
    assert served.status_code == 200
    assert served["Content-Type"] == "image/jpeg"
    assert served["X-Content-Type-Options"] == "nosniff"
    assert b"".join(served.streaming_content) == stored.read_bytes()


def test_png_text_chunks_are_removed(o311: Open311, city: Any, media_root: Any) -> None:
    import zlib

    from django.core.files.uploadedfile import SimpleUploadedFile

    text = b"Author\x00Priya Ramanathan"
    chunk = struct.pack(">I", len(text)) + b"tEXt" + text + struct.pack(">I", zlib.crc32(b"tEXt" + text))
    photo = SimpleUploadedFile("p.png", _png(chunk), "image/png")
    response = o311.client.post(
        "/open311/v2/requests.json", {"api_key": o311.key, "service_code": "GRAFFITI", **LOCATION, "media": photo}
    )
    assert response.status_code == 200
    (stored,) = list((media_root / "open311").iterdir())
    assert b"Priya" not in stored.read_bytes()
    assert b"tEXt" not in stored.read_bytes()
    assert _pixels(stored.read_bytes()) == _pixels(_png())


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>", "must be a JPEG, PNG, GIF or WebP"),
        (b"<html><script>alert(1)</script></html>", "must be a JPEG, PNG, GIF or WebP"),
        (b"\xff\xd8\xff\xe1\xff\xff", "not a well-formed JPEG"),
    ],
)
def test_uploads_that_are_not_images_are_refused(o311: Open311, city: Any, content: bytes, fragment: str) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from civicdesk.domain.cases.models import Case

    upload = SimpleUploadedFile("photo.jpg", content, "image/jpeg")
    response = o311.client.post(
        "/open311/v2/requests.json", {"api_key": o311.key, "service_code": "GRAFFITI", **LOCATION, "media": upload}
    )
    assert response.status_code == 400
    assert fragment in errors_of(response)[0]["description"]
    assert not Case.objects.exists()


def test_oversize_upload_is_refused(o311: Open311, city: Any, settings: Any, media_root: Any) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.OPEN311_MEDIA_MAX_BYTES = 1000
    upload = SimpleUploadedFile("big.png", _png() + b"\x00" * 2000, "image/png")
    response = o311.client.post(
        "/open311/v2/requests.json", {"api_key": o311.key, "service_code": "GRAFFITI", **LOCATION, "media": upload}
    )
    assert response.status_code == 400
    assert "largest photo accepted is 1000 bytes" in errors_of(response)[0]["description"]
    assert not (media_root / "open311").exists() or not list((media_root / "open311").iterdir())


def test_a_client_media_url_is_kept(o311: Open311, city: Any) -> None:
    response = o311.post(service_code="GRAFFITI", media_url="https://photos.example.org/1001.jpg", **LOCATION)
    request_id = response.json()[0]["service_request_id"]
    (request,) = o311.get(f"requests/{request_id}.json").json()
    assert request["media_url"] == "https://photos.example.org/1001.jpg"


def test_unreadable_bodies_are_400_not_500(o311: Open311, city: Any, settings: Any) -> None:
    broken = o311.post_raw("--x\r\nbroken", content_type="multipart/form-data; boundary=x")
    assert broken.status_code in (200, 400, 403)
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 10
    many = o311.post_raw("&".join(f"f{i}=1" for i in range(50)) + f"&api_key={o311.key}")
    assert many.status_code == 400
    errors_of(many)
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    big = o311.post_raw(f"api_key={o311.key}&service_code=GRAFFITI&description=" + "x" * 5000)
    assert big.status_code == 400
    assert "too large" in errors_of(big)[0]["description"]


def test_boston_311_rows_post_through_open311(o311: Open311, city: Any) -> None:
    """Real 311 records (Boston's open data) as reports: every row with a location is accepted, the rest refused."""
    from civicdesk.domain.cases.models import Case

    rows = list(csv.DictReader(io.StringIO((DATA_311 / "boston-311-40.csv").read_text(encoding="utf-8"))))[:40]
    accepted = refused = 0
    for row in rows:
        form = {
            "service_code": "GENERAL",
            "description": f"{row['case_title']}: {row['type']}".strip(),
            "lat": row["latitude"],
            "long": row["longitude"],
            "address_string": row["location"].strip(),
        }
        response = o311.post(**form)
        assert response.status_code in (200, 400), response.content
        if response.status_code == 200:
            accepted += 1
        else:
            refused += 1
    assert accepted == Case.objects.count() > 30
    assert accepted + refused == len(rows)


def test_a_reference_that_is_already_taken_is_drawn_again(o311: Open311, city: Any, monkeypatch: Any) -> None:
    """cases.references draws random numbers; with a million cases about 1 in 90 new ones hits a taken one."""
    from civicdesk.domain.cases import references

    taken = o311.post(service_code="GRAFFITI", **LOCATION).json()[0]["service_request_id"]
    draws = iter([taken, "123456786"])
    monkeypatch.setattr(references, "new_reference", lambda: next(draws))
    assert references.check_digit("123456786") == 0
    response = o311.post(service_code="GRAFFITI", **LOCATION)
    assert response.status_code == 200, response.content
    assert response.json()[0]["service_request_id"] == "123456786"
