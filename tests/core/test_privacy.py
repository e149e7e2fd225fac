"""The quiet privacy check: email addresses and phone numbers are flagged; dates, times and ratings are not."""

import pytest

from herenow.privacy import EMAIL, PHONE, looks_private


@pytest.mark.parametrize("text", [
    "wrote to sam.k+therapy@example.org after",
    "her address is Zoë@exemple.fr",
])
def test_email_addresses(text: str) -> None:
    assert looks_private(text) == [EMAIL]


@pytest.mark.parametrize("text", [
    "call 07700 900123 tomorrow",
    "+44 20 7946 0958",
    "(555) 123-4567",
    "555-123-4567",
    "nummer 0612345678.",
    "0033 6 12 34 56 78",
])
def test_phone_numbers(text: str) -> None:
    assert looks_private(text) == [PHONE]


@pytest.mark.parametrize("text", [
    "",
    "At 23:10 a moment; at 31:45 a rupture.",
    "Session on 2026-11-17, next on 24/11/2026.",
    "Worked there 2019-2024, about 50 min a week.",
    "Ratings 1 2 3 4 5 today.",
    "An @ sign alone, or user@localhost, is not an address.",
    "1,234,567 thoughts",
    "Ça va ✨ 🙂",
])
def test_ordinary_text_is_not_flagged(text: str) -> None:
    assert looks_private(text) == []


def test_both_at_once() -> None:
    assert looks_private("mail a@b.co or ring 020 7946 0958") == [EMAIL, PHONE]
