"""Message templates: the words of every message the product sends, in the resident's language.

Each kind of message (:data:`KINDS`) has a shipped default in English, French
and Spanish (the defaults are gettext messages, translated in the product's
``.po`` files). A city's Customer Care administrator may give the city its own
wording of a kind in a language (:class:`~civicdesk.domain.outbox.models.MessageTemplate`);
without one the default is used.

A template is Django template language on plain text (nothing is
HTML-escaped) with a fixed set of variables: those every message has
(:data:`COMMON_VARIABLES`) and those of its kind. :func:`check` refuses a
template that does not render or names a variable its kind does not have, so
that is found when the administrator saves it, never when a message is sent.
The case layer builds the values (``civicdesk.domain.cases.notifications.compose``).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.template import Context, Engine, Template, TemplateSyntaxError
from django.utils import formats, translation
from django.utils.functional import Promise
from django.utils.translation import gettext, gettext_noop, pgettext
from django.utils.translation import gettext_lazy as _

from civicdesk.domain.outbox.models import MessageTemplate

log = logging.getLogger(__name__)

RESIDENT, STAFF = "resident", "staff"
SUBJECT_LIMIT = 300  # OutboxMessage.subject


def _on(year: int, month: int, day: int, hour: int | None = None) -> Callable[[], str]:
    """A sample date (and time), written as messages write them in the active language."""

    def written() -> str:
        when = datetime(year, month, day, hour or 0, 30 if hour else 0, tzinfo=UTC)
        date = formats.date_format(when, pgettext("a date in a message", "l j F Y"))
        return f"{date}, {formats.time_format(when, 'TIME_FORMAT')}" if hour is not None else date

    return written


Sample = Promise | str | Callable[[], str]


@dataclass(frozen=True)
class Kind:
    """One kind of message: who gets it, its own variables (with sample values for previews) and its default text."""

    code: str
    label: Promise
    audience: str
    subject: str  # gettext message ids: the shipped default, translated when read
    body: str
    variables: dict[str, Promise] = field(default_factory=dict)
    samples: dict[str, Sample] = field(default_factory=dict)


COMMON_VARIABLES: dict[str, Promise] = {
    "greeting": _('The greeting: "Dear Ms Chen," with the title and name when known, else a neutral one'),
    "name": _("The resident's name, as recorded (may be empty)"),
    "reference": _("The case reference, as residents read it out (123 456 789)"),
    "case_kind": _("What the case is: complaint, service request, inquiry, feedback"),
    "service": _("The service the case is about, in the message's language"),
    "city": _("The city's name"),
    "department": _("The department responsible for the case (or Customer Care before it is routed)"),
    "phone": _("The department's phone number, else the city's Customer Care number"),
    "timeline": _("The anticipated completion date, in local time and the message's language (may be empty)"),
    "signer": _("Who signs: the staff member who acted, else Customer Care"),
    "signer_title": _("The signer's job title (may be empty)"),
    "signature": _("The standard signature: signer and title, department, phone, city"),
}

NOTE = _("What staff wrote for the resident")

KINDS: dict[str, Kind] = {
    kind.code: kind
    for kind in (
        Kind(
            "receipt",
            _("Receipt and email auto-reply (reference number, what to expect)"),
            RESIDENT,
            gettext_noop("Your reference number: {{ reference }}"),
            gettext_noop(
                "{{ greeting }}\n\n"
                "Thank you for contacting {{ city }}.\n\n"
                "Your reference number is {{ reference }}. Please keep it.\n"
                "{% if expected %}\n{{ expected }}\n{% endif %}\n"
                "You can check the status at any time at {{ status_url }} with this reference and your email "
                "address or phone number.\n\n"
                "{{ signature }}"
            ),
            {
                "expected": _("What the resident may expect and by when (PB-AUTOREPLY, PK-ACK-1BD)"),
                "status_url": _("The status page's address"),
            },
            {
                "expected": lambda: (
                    gettext("We will acknowledge it by %(due)s, and tell you the action planned and its timeline.")
                    % {"due": _on(2026, 3, 3, 16)()}
                ),
                "status_url": "https://city.example/status/",
            },
        ),
        Kind(
            "acknowledgement",
            _("Acknowledgement (the anticipated action and timeline, PK-ACK-1BD)"),
            RESIDENT,
            gettext_noop("We received your request {{ reference }}"),
            gettext_noop(
                "{{ greeting }}\n\n"
                "Thank you for your request {{ reference }} about {{ service }}.\n\n"
                "{{ note }}\n"
                "{% if timeline %}\nWe expect to complete it by {{ timeline }}.\n{% endif %}\n"
                "{{ signature }}"
            ),
            {"note": NOTE},
            {"note": _("A crew will inspect the pothole this week and fill it within five business days.")},
        ),
        Kind(
            "interim",
            _("Interim acknowledgement (the answer takes longer, with its date)"),
            RESIDENT,
            gettext_noop("About your request {{ reference }}: our answer is on its way"),
            gettext_noop(
                "{{ greeting }}\n\n"
                "We have your message about {{ service }} (reference {{ reference }}). We need more time to answer "
                "it fully{% if answer_by %}: you will have our answer by {{ answer_by }}{% endif %}.\n"
                "{% if note %}\n{{ note }}\n{% endif %}\n"
                "{{ signature }}"
            ),
            {"note": NOTE, "answer_by": _("When the answer is expected, in local time (may be empty)")},
            {
                "note": _("We are gathering the information from the department."),
                "answer_by": _on(2026, 3, 20),
            },
        ),
        Kind(
            "timeline_changed",
            _("Timeline change, with the reason and the new timeline (PK-MISS)"),
            RESIDENT,
            gettext_noop("New timeline for your request {{ reference }}"),
            gettext_noop(
                "{{ greeting }}\n\n"
                "The timeline of your request {{ reference }} about {{ service }} has changed.\n\n"
                "{{ note }}\n\n"
                "The new anticipated completion date is {{ timeline }}.\n\n"
                "{{ signature }}"
            ),
            {"note": _("Why the timeline changes, as staff wrote it")},
            {"note": _("The contractor's crew was sent to a water main break.")},
        ),
        Kind(
            "timeline_holds",
            _("The timeline holds (the week-before notice, PK-MISS)"),
            RESIDENT,
            gettext_noop("Your request {{ reference }}: the timeline"),
            gettext_noop(
                "{{ greeting }}\n\n"
                "{{ note }}\n"
                "{% if timeline %}\nThe anticipated completion date is {{ timeline }}.\n{% endif %}\n"
                "{{ signature }}"
            ),
            {"note": NOTE},
            {"note": _("The work on your street is on schedule.")},
        ),
        Kind(
            "reply",
            _("Customer Care's answer by email"),
            RESIDENT,
            gettext_noop("About your request {{ reference }}"),
            gettext_noop("{{ greeting }}\n\n{{ note }}\n\n{{ signature }}"),
            {"note": NOTE},
            {"note": _("The bulk item pick-up is booked for next Monday morning.")},
        ),
        Kind(
            "still_working",
            _('"Still working on it": the promised follow-up while the work continues (LW-FOLLOW)'),
            RESIDENT,
            gettext_noop("Your request {{ reference }}: we are still working on it"),
            gettext_noop(
                "{{ greeting }}\n\n"
                "We are still working on your request {{ reference }} about {{ service }}.\n"
                "{% if note %}\n{{ note }}\n{% endif %}"
                "{% if timeline %}\nThe anticipated completion date is {{ timeline }}.\n{% endif %}\n"
                "{{ signature }}"
            ),
            {"note": NOTE},
            {"note": _("The parts have been ordered.")},
        ),
        Kind(
            "closed",
            _("Complaint closed, with the Ombudsman and other options (PK-OMB)"),
            RESIDENT,
            gettext_noop("Your complaint {{ reference }} is closed"),
            gettext_noop(
                "{{ greeting }}\n\n"
                "Your complaint {{ reference }} about {{ service }} is closed.\n\n"
                "{{ note }}\n\n"
                "{{ ombudsman }}\n\n"
                "{{ signature }}"
            ),
            {"note": _("How the complaint was resolved, as staff wrote it"), "ombudsman": _("The Ombudsman text")},
            {
                "note": _("The crew apologised and the driveway was repaired."),
                "ombudsman": _(
                    "If you are not satisfied with how your complaint was handled, you may contact the Ombudsman "
                    "for your municipality, or ask Customer Care about your other options."
                ),
            },
        ),
        Kind(
            "follow_up_request",
            _("Follow-up request to the department, with the escalation copies (PK-FOLLOW, PK-ESC)"),
            STAFF,
            gettext_noop("Follow-up request {{ number }}: case {{ reference }}"),
            gettext_noop(
                "Customer Care follow-up request {{ number }} for case {{ reference }} ({{ service }}):\n\n"
                "{{ message }}"
                "{% if early_reason %}\n\nSent before the follow-up date: {{ early_reason }}{% endif %}"
                "{% if copied %}\n\nCopied: {{ copied }}.{% endif %}\n\n"
                "{{ signature }}"
            ),
            {
                "number": _("The request's number on the case"),
                "message": _("The request's text (the ladder's, or Customer Care's own)"),
                "early_reason": _("Why it was sent before its date (may be empty)"),
                "copied": _("Who is copied: the supervisor on the 3rd request, the director on the 4th (may be empty)"),
            },
            {
                "number": "3",
                "message": _("Please update the case with the action taken and its timeline."),
                "early_reason": "",
                "copied": "Sam Rivera",
            },
        ),
        Kind(
            "standard_missed",
            _("A standard was missed"),
            STAFF,
            gettext_noop("Case {{ reference }}: {{ purpose }} is overdue ({{ standard }})"),
            gettext_noop("The standard {{ standard }} fell due at {{ due_at }} and is not met."),
            {
                "standard": _("The missed standard, e.g. PK-ACK-1BD"),
                "purpose": _("What was owed, e.g. acknowledgement"),
                "due_at": _("When it fell due, in local time"),
            },
            {"standard": "PK-ACK-1BD", "purpose": _("acknowledge"), "due_at": _on(2026, 3, 3, 16)},
        ),
        Kind(
            "timeline_notice",
            _("The week-before notice was missed (PK-MISS)"),
            STAFF,
            gettext_noop(
                "Case {{ reference }}: tell the resident now whether the timeline holds ({{ standard }} missed)"
            ),
            gettext_noop(
                "The resident was not told a week before the anticipated completion. If the timeline cannot be "
                "met, record a new timeline with the reason; if it holds, record that the resident was told "
                "({{ standard }})."
            ),
            {"standard": _("The notice's standard, e.g. PK-MISS")},
            {"standard": "PK-MISS"},
        ),
        Kind(
            "paused_too_long",
            _("A case was paused too long (to Customer Care)"),
            STAFF,
            gettext_noop("Case {{ reference }} has been paused too long"),
            gettext_noop(
                "{{ paused_by }} paused the clocks of case {{ reference }} on {{ paused_since }} (waiting on: "
                "{{ waiting_on }}). The longest pause allowed ended at {{ longest_until }}: follow it up with the "
                "department."
            ),
            {
                "paused_by": _("Who paused the clocks"),
                "paused_since": _("Since when, in local time"),
                "waiting_on": _("What the case waits on"),
                "longest_until": _("When the longest pause allowed ended, in local time"),
            },
            {
                "paused_by": "Sam Rivera",
                "paused_since": _on(2026, 2, 2, 10),
                "waiting_on": "other_agency",
                "longest_until": _on(2026, 3, 2, 10),
            },
        ),
        Kind(
            "undelivered",
            _("A message could not be delivered"),
            STAFF,
            gettext_noop("Case {{ reference }}: a message could not be delivered"),
            gettext_noop(
                'The message "{{ failed_subject }}" to {{ audience }} ({{ address }}) could not be delivered: '
                "{{ reason }}\nContact them another way and note it on the case."
            ),
            {
                "failed_subject": _("The subject of the message that failed"),
                "audience": _("the resident, or staff"),
                "address": _("The address it was sent to"),
                "reason": _("What the mail server said"),
            },
            {
                "failed_subject": _("Your complaint 123 456 789 is closed"),
                "audience": _("the resident"),
                "address": "resident@example.org",
                "reason": "550 mailbox unavailable",
            },
        ),
        Kind(
            "out_of_office",
            _("Out-of-office notice: the resident wrote while the person responsible is away (PK-OOO)"),
            RESIDENT,
            gettext_noop("Your message about {{ reference }}: {{ absent }} is away"),
            gettext_noop(
                "{{ greeting }}\n\n"
                "Thank you for your message about your request {{ reference }}.\n\n"
                "{{ absent }} is away until {{ returns }}; your message has been passed to {{ alternate }}"
                "{% if alternate_contact %} ({{ alternate_contact }}){% endif %}, who will answer it.\n\n"
                "{{ signature }}"
            ),
            {
                "absent": _("Who is away: the staff member responsible for the case"),
                "returns": _("The day they are back, in the message's language"),
                "alternate": _("Who answers for them meanwhile"),
                "alternate_contact": _("The alternate's email address and phone number (may be empty)"),
            },
            {
                "absent": "Sam Rivera",
                "returns": _on(2026, 3, 23),
                "alternate": "Jordan Lee",
                "alternate_contact": "jordan.lee@pickering.example, 905-683-7575",
            },
        ),
        Kind(
            "passed_on",
            _("The resident wrote while the person responsible is away (to their alternate, PK-OOO)"),
            STAFF,
            gettext_noop("Case {{ reference }}: the resident wrote while {{ absent }} is away"),
            gettext_noop(
                "The resident wrote on case {{ reference }} ({{ service }}), which is {{ absent }}'s, who is away "
                "until {{ returns }}. They were told that you answer meanwhile.\n\n"
                "{{ subject }}\n\n{{ text }}"
            ),
            {
                "absent": _("Who is away: the staff member responsible for the case"),
                "returns": _("The day they are back, in local time"),
                "subject": _("The subject of the resident's email"),
                "text": _("The resident's email, as received"),
            },
            {
                "absent": "Sam Rivera",
                "returns": _on(2026, 3, 23),
                "subject": _("The limb fell this morning"),
                "text": _("The limb fell on the sidewalk this morning. Can someone come today?"),
            },
        ),
        Kind(
            "message_returned",
            _("A message was returned to its author, not sent (review before release, LW-CORR)"),
            STAFF,
            gettext_noop("Case {{ reference }}: your message was returned, not sent"),
            gettext_noop(
                '{{ returned_by }} returned your message "{{ returned_subject }}" to the resident; it was not '
                "sent.\n\n{{ reason }}\n\n"
                "Write it again from the case page; it waits for approval again before it goes."
            ),
            {
                "returned_by": _("Who returned it"),
                "returned_subject": _("The subject of the message returned"),
                "reason": _("Why it was returned, as the reviewer wrote it"),
            },
            {
                "returned_by": "Jordan Lee",
                "returned_subject": _("About your request 123 456 789"),
                "reason": _("Please give the date of the pick-up and the resident's title."),
            },
        ),
    )
}

COMMON_SAMPLES: dict[str, Sample] = {
    "greeting": lambda: pgettext("greeting", "Dear Ms %(name)s,") % {"name": "Li Chen"},
    "name": "Li Chen",
    "reference": "123 456 789",
    "case_kind": _("complaint"),
    "service": _("Pothole"),
    "city": "City of Pickering",
    "department": _("Roads"),
    "phone": "905-683-7575",
    "timeline": _on(2026, 3, 20),
    "signer": "Sam Rivera",
    "signer_title": _("Customer Service Representative"),
    "signature": lambda: "\n".join(
        (
            "Sam Rivera, " + gettext("Customer Service Representative"),
            gettext("Roads"),
            "905-683-7575",
            "City of Pickering",
        )
    ),
}


class TemplateProblem(ValueError):
    """A template that cannot be used, with the field it is in and what is wrong, in words a person reads."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


class UnknownVariable(Exception):
    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


class _StrictContext(Context):
    """A context in which naming a variable it does not hold is an error rather than an empty string."""

    def __getitem__(self, key: Any) -> Any:
        for values in reversed(self.dicts):
            if key in values:
                return values[key]
        raise UnknownVariable(str(key))


_MISSING = "\x00missing:%s\x00"
_ENGINE = Engine(libraries={}, string_if_invalid="")
_STRICT_ENGINE = Engine(libraries={}, string_if_invalid=_MISSING)


def supported_language(code: str | None) -> str:
    """``code`` when the product speaks it, else the product's default language."""
    codes = {c for c, _name in settings.LANGUAGES}
    return code if code in codes else settings.LANGUAGE_CODE


def variables_of(kind: str) -> dict[str, Promise]:
    """Every variable a template of ``kind`` may name, with what it holds."""
    return {**COMMON_VARIABLES, **KINDS[kind].variables}


def sample_context(kind: str, language: str) -> dict[str, str]:
    """Sample values for every variable of ``kind``, in ``language``: what the check and a preview without a case use."""
    with translation.override(supported_language(language)):
        return {
            name: value() if callable(value) else str(value)
            for name, value in {**COMMON_SAMPLES, **KINDS[kind].samples}.items()
        }


def default(kind: str, language: str) -> tuple[str, str]:
    """The shipped subject and body of ``kind`` in ``language``."""
    spec = KINDS[kind]
    with translation.override(supported_language(language)):
        return gettext(spec.subject), gettext(spec.body)


def current(jurisdiction_id: int, kind: str, language: str, *, memo: dict[Any, Any] | None = None) -> tuple[str, str]:
    """The template a city's message of ``kind`` in ``language`` is written from: its own, else the default.

    With ``memo`` (a transaction's), each is read once however many messages are written from it.
    """
    key = ("message template", jurisdiction_id, kind, language)
    if memo is not None and key in memo:
        found: tuple[str, str] = memo[key]
        return found
    own = MessageTemplate.objects.filter(jurisdiction_id=jurisdiction_id, kind=kind, language=language).first()
    found = (own.subject, own.body) if own is not None else default(kind, language)
    if memo is not None:
        memo[key] = found
    return found


def _tidy_body(text: str) -> str:
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _tidy_subject(text: str) -> str:
    return " ".join(text.split())[:SUBJECT_LIMIT]


def _render(engine: Engine, source: str, context: Context) -> str:
    return Template(source, engine=engine).render(context)


def render(subject: str, body: str, values: Mapping[str, Any]) -> tuple[str, str]:
    """Subject and body rendered with ``values`` (a value may be a function: called if the template names it)."""
    context = Context(dict(values), autoescape=False)
    return _tidy_subject(_render(_ENGINE, subject, context)), _tidy_body(_render(_ENGINE, body, context))


def check(kind: str, subject: str, body: str, language: str = "en") -> tuple[str, str]:
    """Refuse (:class:`TemplateProblem`) a template of ``kind`` that does not render or names an unknown variable.

    Returns the subject and body rendered with the sample values.
    """
    if kind not in KINDS:
        raise TemplateProblem("kind", gettext("Choose one of the messages the product sends."))
    known = ", ".join(sorted(variables_of(kind)))
    values = sample_context(kind, language)
    rendered: dict[str, str] = {}
    for name, source in (("subject", subject), ("body", body)):
        label = gettext("The subject") if name == "subject" else gettext("The body")
        try:
            text = _render(_STRICT_ENGINE, source, _StrictContext(values, autoescape=False))
        except UnknownVariable as error:
            raise TemplateProblem(
                name,
                gettext("%(part)s names %(name)s, which this message does not have. It may use: %(known)s.")
                % {"part": label, "name": error.name, "known": known},
            ) from None
        except TemplateSyntaxError as error:
            raise TemplateProblem(
                name, gettext("%(part)s cannot be read: %(error)s") % {"part": label, "error": error}
            ) from None
        except Exception as error:  # any failure to render is the administrator's to fix, now
            raise TemplateProblem(
                name, gettext("%(part)s cannot be rendered: %(error)s") % {"part": label, "error": error}
            ) from None
        missing = re.search(r"\x00missing:([^\x00]*)\x00", text)
        if missing:
            raise TemplateProblem(
                name,
                gettext("%(part)s names %(name)s, which this message does not have. It may use: %(known)s.")
                % {"part": label, "name": missing.group(1), "known": known},
            )
        rendered[name] = text
    subject_text, body_text = _tidy_subject(rendered["subject"]), _tidy_body(rendered["body"])
    if not subject_text:
        raise TemplateProblem("subject", gettext("The subject is empty once written out; say what the message is."))
    if not body_text:
        raise TemplateProblem("body", gettext("The body is empty once written out; the message would say nothing."))
    return subject_text, body_text


def compose(
    jurisdiction_id: int, kind: str, language: str, values: Mapping[str, Any], *, memo: dict[Any, Any] | None = None
) -> tuple[str, str]:
    """The city's message of ``kind`` in ``language`` written out with ``values``; the default if the city's fails.

    A city's template was checked when it was saved, so falling back only guards against what changed since
    (a variable the product no longer has): the message still goes, in the product's words.
    """
    subject, body = current(jurisdiction_id, kind, language, memo=memo)
    try:
        return render(subject, body, values)
    except Exception:  # a message is never lost to a template
        log.exception("the city's %s template (%s) failed to render; the default was used", kind, language)
        return render(*default(kind, language), values)
