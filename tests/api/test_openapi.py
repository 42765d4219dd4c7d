"""The OpenAPI document and docs page: public, complete, and saying how to authenticate."""

from __future__ import annotations

from typing import Any

from django.test import Client

PATHS = {
    "/api/v1/cases": {"get", "post"},
    "/api/v1/cases/{reference}": {"get"},
    "/api/v1/cases/{reference}/journal": {"get"},
    **{
        f"/api/v1/cases/{{reference}}/{action}": {"post"}
        for action in (
            "acknowledge",
            "replies",
            "route",
            "assign",
            "updates",
            "timeline",
            "answer-expected",
            "timeline-notice",
            "follow-up-requests",
            "items",
            "pause",
            "resume",
            "duplicate-of",
            "redirect",
            "close",
            "reopen",
        )
    },
    "/api/v1/cases/{reference}/items/{item_id}/done": {"post"},
    # The requests sent, with their messages and copies, are read as well as sent (PK-ESC).
    "/api/v1/cases/{reference}/follow-up-requests": {"get", "post"},
    # Review before release (LW-CORR): what awaits approval, approved or returned by a second person.
    "/api/v1/messages/awaiting-approval": {"get"},
    "/api/v1/messages/{message_id}/approve": {"post"},
    "/api/v1/messages/{message_id}/return": {"post"},
    # A letter or fax with its scan (multipart).
    "/api/v1/letters": {"post"},
    # Photos and files: listed and uploaded, shown to the resident or hidden, downloaded.
    "/api/v1/cases/{reference}/attachments": {"get", "post"},
    "/api/v1/cases/{reference}/attachments/{attachment_id}/public": {"post"},
    "/api/v1/cases/{reference}/attachments/{attachment_id}/content": {"get"},
}


def test_openapi_document_lists_every_endpoint_with_bearer_security(db: Any) -> None:
    response = Client().get("/api/v1/openapi.json")

    assert response.status_code == 200
    document = response.json()
    assert document["info"]["title"] == "civicdesk staff API"
    assert document["info"]["version"] == "1"
    assert {path: set(ops) for path, ops in document["paths"].items()} == PATHS
    assert document["components"]["securitySchemes"]["BearerToken"] == {"type": "http", "scheme": "bearer"}
    for operations in document["paths"].values():
        for operation in operations.values():
            assert {"BearerToken": []} in operation["security"]
            assert "401" in operation["responses"]


def test_case_schema_names_fields_in_the_citys_words(db: Any) -> None:
    schemas = Client().get("/api/v1/openapi.json").json()["components"]["schemas"]

    case = schemas["CaseOut"]["properties"]
    for name in ("reference", "kind", "channel", "service", "status", "received_at", "hazard", "council_involved"):
        assert name in case
    assert set(schemas["CommitmentOut"]["properties"]) >= {"standard", "due_at", "state", "met_at"}
    assert schemas["CaseIn"]["additionalProperties"] is False


def test_docs_page_is_served_without_a_cdn(db: Any) -> None:
    response = Client().get("/api/v1/docs")

    assert response.status_code == 200
    assert b"/api/v1/openapi.json" in response.content
    assert b"cdn.jsdelivr.net" not in response.content
