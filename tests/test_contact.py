import pytest

from bot.handoffs.contact import clean_name, looks_like_contact_attempt, parse_contact


@pytest.mark.parametrize(
    ("text", "kind", "value"),
    [
        ("jane.doe@example.com", "email", "jane.doe@example.com"),
        (
            "my email is Jane.Doe+rosacea@Example.COM thanks",
            "email",
            "Jane.Doe+rosacea@example.com",
        ),
        ("503-688-9235", "phone", "+15036889235"),
        ("(503) 688 9235", "phone", "+15036889235"),
        ("call me on 1-503-688-9235 after 5", "phone", "+15036889235"),
        ("+44 20 7946 0958", "phone", "+442079460958"),
    ],
)
def test_valid_contacts_are_normalised(text: str, kind: str, value: str) -> None:
    contact = parse_contact(text)
    assert contact is not None
    assert (contact.kind, contact.value) == (kind, value)


@pytest.mark.parametrize(
    "text",
    [
        "jane@",
        "jane@example",
        "jane@@example.com",
        "jane..doe@example.com",
        "12345",
        "555-1234",
        "my number is secret",
        "",
        "a" * 400 + "@example.com",
    ],
)
def test_invalid_contacts_are_refused(text: str) -> None:
    assert parse_contact(text) is None


def test_us_phone_is_shown_in_national_format() -> None:
    contact = parse_contact("5036889235")
    assert contact is not None and contact.display == "(503) 688-9235"


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Sam", "Sam"),
        ("my name is Sam Lee", "Sam Lee"),
        ("I'm Zoë O'Brien.", "Zoë O'Brien"),
        ("it's Mary-Jane", "Mary-Jane"),
        ("hi, this is Dr. Ana", "Dr. Ana"),
    ],
)
def test_names_are_cleaned(text: str, name: str) -> None:
    assert clean_name(text) == name


@pytest.mark.parametrize(
    "text", ["", "yes", "jane@example.com", "503 688 9235", "one two three four five six", "???"]
)
def test_non_names_are_refused(text: str) -> None:
    assert clean_name(text) is None


def test_contact_attempts_are_recognised() -> None:
    assert looks_like_contact_attempt("jane at example dot com @")
    assert looks_like_contact_attempt("503 68")
    assert not looks_like_contact_attempt("Sam Lee")
