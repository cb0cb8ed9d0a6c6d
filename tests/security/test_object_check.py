"""The upload validator names the problem and the line (RFC 6350 §3, RFC 5545 §3.1)."""

from __future__ import annotations

from cms_dav.io.object_check import check_object, unreadable_line
from tests.support.dav import vcard, vevent


def messages(text: str, tag: str = "") -> list[str]:
    return [str(problem) for problem in check_object(text, tag)]


def test_a_valid_card_has_no_problems() -> None:
    assert messages(vcard("u1", "Ada Lovelace"), "VADDRESSBOOK") == []


def test_a_valid_event_has_no_problems() -> None:
    assert messages(vevent("e1", "Meeting"), "VCALENDAR") == []


def test_missing_uid_is_named() -> None:
    text = vcard("x", "Ada Lovelace").replace("UID:x\r\n", "")
    assert any("no UID" in m for m in messages(text))


def test_missing_fn_is_named() -> None:
    text = vcard("x", "Ada Lovelace").replace("FN:Ada Lovelace\r\n", "")
    assert any("no FN" in m for m in messages(text))


def test_broken_line_is_named_with_its_line_number() -> None:
    text = vcard("x", "Ada Lovelace").replace("N:Lovelace;Ada;;;", "N Lovelace Ada")
    assert messages(text) == ["line 5: not a 'NAME:value' content line: 'N Lovelace Ada'"]


def test_vcalendar_in_an_address_book_is_named() -> None:
    assert any("cannot be stored in an address book" in m
               for m in messages(vevent("e", "x"), "VADDRESSBOOK"))


def test_vcard_in_a_calendar_is_named() -> None:
    assert any("cannot be stored in a calendar" in m
               for m in messages(vcard("u", "A B"), "VCALENDAR"))


def test_two_cards_in_one_resource_are_named() -> None:
    assert any("2 vCards in one resource" in m
               for m in messages(vcard("a", "A B") + vcard("b", "C D")))


def test_two_uids_in_one_calendar_resource_are_named() -> None:
    text = vevent("a", "A").replace(
        "END:VCALENDAR", "BEGIN:VEVENT\r\nUID:b\r\nDTSTART:20260101T000000Z\r\nEND:VEVENT\r\n"
        "END:VCALENDAR")
    assert any("two UIDs in one resource" in m for m in messages(text))


def test_unsupported_component_is_named() -> None:
    text = vevent("a", "A").replace("BEGIN:VEVENT", "BEGIN:VPOLL").replace("END:VEVENT",
                                                                           "END:VPOLL")
    assert any("unsupported component VPOLL" in m for m in messages(text))


def test_unclosed_component_is_named_with_the_line_it_opened() -> None:
    assert messages("BEGIN:VCARD\r\nVERSION:3.0\r\nUID:x\r\nFN:A\r\n")[0] == \
        "line 1: BEGIN:VCARD is never closed (END:VCARD missing)"


def test_quoted_printable_soft_break_at_the_end_is_named() -> None:
    text = "BEGIN:VCARD\r\nVERSION:2.1\r\nUID:q\r\nFN;ENCODING=QUOTED-PRINTABLE:Caf=C3=A9=\r\n\r\n"
    assert any("soft line break" in m for m in messages(text))


def test_quoted_printable_continuation_is_one_line() -> None:
    text = ("BEGIN:VCARD\r\nVERSION:2.1\r\nUID:q\r\nN:A;B\r\n"
            "NOTE;ENCODING=QUOTED-PRINTABLE:first=\r\nsecond\r\nEND:VCARD\r\n")
    assert messages(text) == []


def test_empty_body_is_named() -> None:
    assert "the body is empty" in messages("  \r\n")[0]


def test_parameter_soup_without_a_colon_is_unreadable_at_once() -> None:
    """Regression: vobject's regex needs minutes for this line; the check is linear."""
    text = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN" + ";TYPE=WORK,HOME,," * 40 + "\r\n"
    problem = unreadable_line(text)
    assert problem is not None and problem.line == 3


def test_lines_vobject_reads_are_not_unreadable() -> None:
    text = ('BEGIN:VCARD\r\nVERSION:3.0\r\nUID:x\r\nFN:A\r\nitem1.TEL;TYPE="a:b",c;X=:1\r\n'
            "END:VCARD\r\n")
    assert unreadable_line(text) is None


def test_a_folded_7_5_mb_photo_card_is_scanned_in_linear_time() -> None:
    """Regression: vobject's QP-aware unfolding is quadratic in the folded lines; the
    issue's 7.5 MB PHOTO card held a worker for over 30 s before the size limit spoke."""
    import time

    from tests.security.memory_attacks import photo_card

    started = time.monotonic()
    assert unreadable_line(photo_card()) is None
    assert time.monotonic() - started < 5  # about 0.2 s; over 30 s before
