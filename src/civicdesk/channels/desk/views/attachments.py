"""The case's files: photos, scans and documents kept with it, the Open311 report's photo, and what the resident sees.

A photo is served as the re-encoded image civicdesk wrote (its own image type, inline, for the
page's thumbnails); every other file only as a download. Both with the headers of
:mod:`civicdesk.channels.ui.files`, and only to staff who may see the case.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from civicdesk.channels.desk import selectors
from civicdesk.channels.desk.forms import AttachFileForm
from civicdesk.channels.desk.views.common import DeskRequest, desk_view
from civicdesk.channels.ui import files
from civicdesk.domain.cases import actions
from civicdesk.domain.cases.actions.attachments import PERMISSION
from civicdesk.domain.cases.errors import CaseError
from civicdesk.domain.cases.models import Case, CaseAttachment
from civicdesk.domain.cases.references import normalise
from civicdesk.domain.inbox import images, storage

ANCHOR = "#files-heading"


def attachments_context(
    request: DeskRequest, case: Case, *, attach_form: AttachFileForm | None = None
) -> dict[str, Any]:
    """What desk/_attachments.html shows."""
    media, media_url = selectors.open311_media_of(case)
    may_attach = request.user.has_perm(PERMISSION)
    return {
        "case_files": selectors.case_files_of(case),
        "may_attach": may_attach,
        "attach_form": (attach_form or AttachFileForm(prefix="file")) if may_attach else None,
        "open311_photo": bool(media) and default_storage.exists(images.open311_photo_path(media)),
        "open311_media_url": media_url,
    }


def _case(request: DeskRequest, reference: str) -> Case:
    stored = normalise(reference)
    if stored is None:
        raise Http404
    try:
        return selectors.case_page(request.user, stored)
    except Case.DoesNotExist:
        raise Http404 from None


def _file(request: DeskRequest, reference: str, pk: int) -> CaseAttachment:
    row = selectors.case_file_of(_case(request, reference), pk)
    if row is None:
        raise Http404
    return row


def _served(sha256: str, row: CaseAttachment) -> FileResponse:
    path = storage.path_of(sha256)
    if not path.is_file():
        raise Http404
    if row.is_image:
        return files.image(path.open("rb"), content_type=row.content_type)
    return files.download(path.open("rb"), filename=row.original_name or f"file-{row.pk}")


@desk_view
def case_file(request: DeskRequest, reference: str, pk: int) -> FileResponse:
    row = _file(request, reference, pk)
    return _served(row.sha256, row)


@desk_view
def case_file_thumbnail(request: DeskRequest, reference: str, pk: int) -> FileResponse:
    row = _file(request, reference, pk)
    if not row.is_image or not row.thumbnail_sha256:
        raise Http404
    return _served(row.thumbnail_sha256, row)


@desk_view
def open311_photo(request: DeskRequest, reference: str) -> FileResponse:
    """The photo uploaded with an Open311 report, as Open311 stored it (already re-encoded)."""
    case = _case(request, reference)
    media, _url = selectors.open311_media_of(case)
    kind = media.rsplit(".", 1)[-1] if media else ""
    if kind not in images.CONTENT_TYPES or not default_storage.exists(images.open311_photo_path(media)):
        raise Http404
    return files.image(
        default_storage.open(images.open311_photo_path(media), "rb"), content_type=images.CONTENT_TYPES[kind]
    )


@require_POST
@desk_view
def show_to_resident(request: DeskRequest, reference: str, pk: int) -> HttpResponse:
    """Mark a file public or not public; the page says what changed, or why not."""
    row = _file(request, reference, pk)
    public = request.POST.get("public") == "1"
    try:
        actions.show_to_resident(attachment=row, actor=request.user, public=public)
    except CaseError as error:
        messages.error(request, error.message)
    else:
        name = row.original_name or (_("The photo") if row.is_image else _("The file"))
        done = (
            _("%(name)s is now shown to the resident.") if public else _("%(name)s is no longer shown to the resident.")
        )
        messages.success(request, done % {"name": name})
    return redirect(reverse("desk:case", args=[row.case.reference]) + ANCHOR)
