"""The staff API instance; the project's URLconf mounts ``api.urls`` at ``/api/v1/``.

OpenAPI at ``/api/v1/openapi.json``, interactive docs at ``/api/v1/docs``;
docs/api.md is the guide for API users.
"""

from __future__ import annotations

from ninja import NinjaAPI

from civicdesk.channels.api import errors
from civicdesk.channels.api.auth import BearerToken, StaffSession
from civicdesk.channels.api.cases import router as cases_router
from civicdesk.channels.api.letters import router as letters_router
from civicdesk.channels.api.review import router as review_router

api = NinjaAPI(
    title="civicdesk staff API",
    version="1",
    description=(
        "Cases and their transitions for city staff and integrations. Authenticate with "
        "`Authorization: Bearer <token>` (issued by `civicdesk manage create_api_token USERNAME`). "
        'Every refusal is `{"error": {"code", "message", "field"?, "rule"?, "details"?}}`.'
    ),
    urls_namespace="api-v1",
    auth=[BearerToken(), StaffSession()],
    parser=errors.JsonBody(),
)
errors.install(api)
api.add_router("/cases", cases_router)
api.add_router("/messages", review_router)
api.add_router("/letters", letters_router)
