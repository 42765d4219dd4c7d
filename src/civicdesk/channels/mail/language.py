"""The language a new email is answered in: the one its sender declared, else the one it is written in, if the city serves it.

The receipt and everything written to the resident afterwards go in the
case's language (PB-AUTOREPLY: "in the sender's language where known").
Mail programs often say it (``Content-Language: fr-CA``); otherwise the
text is identified with py3langid among the city's own languages only, and
trusted only when the text is long enough and the identification sure.
Short or mixed text ("Merci", "OK") gives no answer, and the city's first
language is used, as for any case.
"""

from __future__ import annotations

from functools import cache

from py3langid.langid import MODEL_FILE, LanguageIdentifier  # type: ignore[import-untyped]  # no type information

MIN_WORDS = 3
MIN_CONFIDENCE = 0.95


def language_of(*, declared: list[str], text: str, served: list[str]) -> str:
    """The first of ``declared`` the city serves, else the language ``text`` is surely written in, else ""."""
    for tag in declared:
        primary = tag.split("-")[0].strip().lower()
        if primary in served:
            return primary
    if len(served) < 2 or len(text.split()) < MIN_WORDS:
        return ""
    language, confidence = _identifier(tuple(sorted(served))).classify(text[:2000])
    return str(language) if confidence >= MIN_CONFIDENCE and language in served else ""


@cache
def _identifier(languages: tuple[str, ...]) -> LanguageIdentifier:
    """One identifier per set of languages, loaded once per process (the model takes about a second to read)."""
    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages(list(languages))
    return identifier
