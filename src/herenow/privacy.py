"""A quiet check before saving: does a text look like it holds an email address or a phone number?

Heuristic on purpose: it only ever warns (the therapist decides), so it leans towards saying something. Dates,
clock times, session times ("23:10") and short numbers are not phone numbers.
"""

from __future__ import annotations

import re

EMAIL = "looks like it holds an email address"
PHONE = "looks like it holds a phone number"

_EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# A run of digits with the separators people write phone numbers with.
_PHONE = re.compile(r"(?<![\w.:/-])(?:\+|00)?\(?\d[\d \t().\-/]{5,}\d(?![\w:/-])")
_DATE_LIKE = (
    re.compile(r"^\d{4}[-/.]\d{1,2}[-/.]\d{1,2}$"),  # 2026-11-17
    re.compile(r"^\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}$"),  # 17/11/2026
    re.compile(r"^\d{4}\s*[-–]\s*\d{4}$"),  # 2019-2024
)


def _is_phone(candidate: str) -> bool:
    candidate = candidate.strip()
    digits = sum(ch.isdigit() for ch in candidate)
    if not 7 <= digits <= 15:
        return False
    if any(pattern.match(candidate) for pattern in _DATE_LIKE):
        return False
    # "1 2 3 4 5 6 7" (a list of ratings) is not a phone number: phones have groups of two digits or more.
    groups = [g for g in re.split(r"[^\d]+", candidate) if g]
    if len(groups) > 1 and max(len(g) for g in groups) < 2:
        return False
    return True


def looks_private(text: str) -> list[str]:
    """Warnings (possibly empty) for a text that may identify someone: an email address, a phone number."""
    warnings: list[str] = []
    if not text:
        return warnings
    if _EMAIL.search(text):
        warnings.append(EMAIL)
    if any(_is_phone(match.group(0)) for match in _PHONE.finditer(text)):
        warnings.append(PHONE)
    return warnings
