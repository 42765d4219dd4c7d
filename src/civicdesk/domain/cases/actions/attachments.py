"""Files on a case: a resident's photos, staff's scans, photos and documents, and which the resident sees.

A file is checked and made ready first (:func:`civicdesk.domain.cases.files.prepare`: photos
re-encoded so no metadata survives), so a channel that takes several refuses them all, in words,
before anything is written. Attaching stores the content by its SHA-256 and writes the row and its
journal entry in one transaction; only a file marked public is shown to the resident.
"""

from __future__ import annotations

from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from civicdesk.domain.cases import files, journal
from civicdesk.domain.cases.access import require
from civicdesk.domain.cases.actions.common import check_length
from civicdesk.domain.cases.errors import TransitionRefused
from civicdesk.domain.cases.models import Action, AttachmentSource, Case, CaseAttachment
from civicdesk.domain.cases.unit_of_work import UnitOfWork
from civicdesk.domain.inbox import storage
from civicdesk.domain.staff.models import User

PERMISSION = "cases.attach_file"


def prepare_upload(upload: UploadedFile, *, what: str, photos_only: bool = False) -> files.PreparedFile:
    """An uploaded file checked and made ready to attach (see :func:`files.prepare`)."""
    return files.prepare(upload, name=upload.name or "", size=upload.size, what=what, photos_only=photos_only)


def attach_file(
    *,
    case: Case,
    actor: User | None,
    upload: UploadedFile | files.PreparedFile,
    public: bool,
    caption: str = "",
    actor_label: str | None = None,
    source: str = AttachmentSource.STAFF,
) -> CaseAttachment:
    """Keep a file with ``case``: a closed case takes files too (a scan that arrives after closing belongs on it).

    ``actor`` is the staff member (who needs ``cases.attach_file`` and the case in scope), or ``None``
    for a resident on the portal or an Open311 client, named by ``actor_label`` and ``source``.
    """
    caption = caption.strip()
    check_length(CaseAttachment, "caption", caption, "caption")
    prepared = upload if isinstance(upload, files.PreparedFile) else prepare_upload(upload, what=_("the file"))
    if source not in AttachmentSource.values:
        raise ValueError(f"unknown attachment source {source!r}")
    with UnitOfWork.atomic() as work:
        case = work.lock_case(case)
        require(actor, PERMISSION, case)
        label = actor_label or journal.actor_label_for(actor, "system")
        digest = storage.store(prepared.content)
        thumbnail = storage.store(prepared.thumbnail) if prepared.thumbnail else ""
        attachment = CaseAttachment.objects.create(
            jurisdiction_id=case.jurisdiction_id,
            case=case,
            sha256=digest,
            size=len(prepared.content),
            content_type=prepared.content_type,
            original_name=prepared.name,
            is_image=prepared.is_image,
            width=prepared.width,
            height=prepared.height,
            thumbnail_sha256=thumbnail,
            source=source,
            added_by=actor,
            added_by_label=label,
            added_at=work.now,
            public=public,
            caption=caption,
        )
        work.touch(case)
        what = _("Photo added by %(who)s") if prepared.is_image else _("File added by %(who)s")
        note = what % {"who": label}
        if caption:
            note += f": {caption}"
        journal.append(
            work=work,
            case=case,
            action=Action.FILE_ATTACHED,
            actor=actor,
            actor_label=label,
            note=note,
            data={
                "attachment": attachment.pk,
                "sha256": digest,
                "name": prepared.name,
                "content_type": prepared.content_type,
                "size": attachment.size,
                "public": public,
            },
        )
        return attachment


def show_to_resident(*, attachment: CaseAttachment, actor: User | None, public: bool) -> CaseAttachment:
    """Mark a file public (the resident sees it on their status page) or not public (hidden from them at once)."""
    with UnitOfWork.atomic() as work:
        case = work.lock_case(attachment.case)
        require(actor, PERMISSION, case)
        attachment = CaseAttachment.objects.select_for_update().get(pk=attachment.pk, case=case)
        if attachment.public == public:
            state = _("already shown to the resident") if public else _("already hidden from the resident")
            raise TransitionRefused(
                _("%(name)s is %(state)s") % {"name": attachment.original_name or _("this file"), "state": state},
                code="no_change",
            )
        attachment.public = public
        attachment.save(update_fields=["public"])
        work.touch(case)
        name = attachment.original_name or _("a file")
        journal.append(
            work=work,
            case=case,
            action=Action.FILE_SHOWN if public else Action.FILE_HIDDEN,
            actor=actor,
            note=(_("%(name)s is shown to the resident") if public else _("%(name)s is hidden from the resident"))
            % {"name": name},
            data={"attachment": attachment.pk, "public": public},
        )
        return attachment
