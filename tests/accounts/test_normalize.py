import pytest
from django.core.exceptions import ValidationError

from accounts.normalize import format_phone, normalize_phone, normalize_postal_code


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("11201", "11201"),
        (" 11201-1234 ", "11201"),
        ("112011234", "11201"),
        ("11201 1234", "11201"),
        ("k1a0b1", "K1A 0B1"),
        ("K1A 0B1", "K1A 0B1"),
        ("m5v3l9", "M5V 3L9"),
    ],
)
def test_postal_codes_are_normalized(raw, expected):
    assert normalize_postal_code(raw) == expected


@pytest.mark.parametrize("raw", ["", "1120", "ABCDE", "11201-12", "D1A 0B1", "K1A-0B1X"])
def test_bad_postal_codes_are_refused_with_a_message(raw):
    with pytest.raises(ValidationError, match="postal code"):
        normalize_postal_code(raw)


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("(212) 555-0123", "+12125550123"),
        ("212.555.0123", "+12125550123"),
        ("+1 212 555 0123", "+12125550123"),
        ("1-212-555-0123", "+12125550123"),
        ("+44 20 7946 0958", "+442079460958"),
    ],
)
def test_phones_become_e164(raw, expected):
    assert normalize_phone(raw) == expected


@pytest.mark.parametrize("raw", ["", "555", "123-456-7890", "not a phone"])
def test_bad_phones_are_refused(raw):
    with pytest.raises(ValidationError, match="not a valid phone number"):
        normalize_phone(raw)


def test_format_phone_for_people():
    assert format_phone("+12125550123") == "(212) 555-0123"
    assert format_phone("") == ""
