"""The one rule for reading an id (`doubtfire.ids`): ASCII digits, 1..2**63-1, never an exception."""

import pytest

from doubtfire.ids import MAX_ID, IdConverter, parse_id


@pytest.mark.parametrize(
    "text, expected",
    [
        ("1", 1),
        ("42", 42),
        (" 42\t", 42),  # trimmed, as a form field is
        ("007", 7),
        (str(MAX_ID), MAX_ID),
        (17, 17),
    ],
)
def test_ids_written_with_ascii_digits_are_read(text, expected):
    assert parse_id(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "", "   ", None, "0", 0, -1, True,
        "²", "٣", "１",  # superscript two, Arabic-Indic three, fullwidth one: isdigit() says yes to all
        "99999999999999999999999", str(MAX_ID + 1), MAX_ID + 1, "9" * 5000,
        "-1", "+1", "1e3", "0x10", "1.0", "1_000", "1 000", "1\n2", "12abc", 1.0, b"1", ["1"],
    ],
)
def test_anything_else_is_no_id(text):
    assert parse_id(text) is None


def test_other_whole_numbers_choose_their_range():
    assert parse_id("0", minimum=0) == 0
    assert parse_id("2026", minimum=1000, maximum=9999) == 2026
    assert parse_id("99999", minimum=1000, maximum=9999) is None


def test_the_url_converter_refuses_what_parse_id_refuses():
    converter = IdConverter()
    assert converter.to_python("12") == 12
    for odd in ("0", "99999999999999999999"):
        with pytest.raises(ValueError):
            converter.to_python(odd)
    assert converter.to_url(12) == "12"
