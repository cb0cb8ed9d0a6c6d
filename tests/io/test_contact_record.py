import vobject

from cms_dav.io.contact_record import Address, ContactRecord, record_to_vcard, vcard_to_record


def _full_record(**changes) -> ContactRecord:
    base = dict(
        fn="Łukasz Wiśniewski", given="Łukasz", family="Wiśniewski", uid="urn:uuid:1",
        org="Acme; Sp. z o.o.", title="CEO, founder",
        emails=[("work", "l@acme.pl")], phones=[("cell", "+48 601 234 567")],
        addresses=[("home", Address("ul. Długa 5, m. 3", "Gdańsk", "", "80-001", "Polska"))],
        categories=["Klienci", "VIP"], note="first line\nsecond; with, punctuation\\",
        bday="1980-01-02", url="https://acme.pl", interactions=["id1;2024-05-01;call;Hi\\, there"],
    )
    base.update(changes)
    return ContactRecord(**base)


def test_vcard_round_trip_keeps_every_field():
    record = _full_record()
    assert vcard_to_record(record_to_vcard(record)) == record


def test_vcard_is_version_3_with_crlf_line_ends():
    text = record_to_vcard(_full_record())
    assert "VERSION:3.0\r\n" in text
    assert "\n" not in text.replace("\r\n", "")


def test_special_characters_are_escaped_so_vobject_reads_them_back():
    card = vobject.readOne(record_to_vcard(_full_record()))
    assert card.note.value == "first line\nsecond; with, punctuation\\"
    assert card.title.value == "CEO, founder"


def test_long_lines_are_folded_at_75_octets():
    text = record_to_vcard(_full_record(note="ż" * 200))
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    assert vcard_to_record(text).note == "ż" * 200


def test_missing_uid_becomes_a_urn_uuid():
    assert vcard_to_record(record_to_vcard(_full_record(uid=None))).uid.startswith("urn:uuid:")


def test_missing_uid_is_the_same_for_the_same_content():
    record = _full_record(uid=None)
    assert record_to_vcard(record) == record_to_vcard(_full_record(uid=None))


def test_missing_fn_falls_back_to_the_organisation():
    card = vobject.readOne(record_to_vcard(ContactRecord(org="Orlen S.A.")))
    assert card.fn.value == "Orlen S.A."


def test_vcard_4_tel_uri_is_read_as_plain_number():
    text = ("BEGIN:VCARD\r\nVERSION:4.0\r\nFN:A\r\nTEL;VALUE=uri;TYPE=cell:tel:+48601234567\r\n"
            "END:VCARD\r\n")
    assert vcard_to_record(text).phones == [("cell", "+48601234567")]


def test_vcard_2_1_quoted_printable_is_decoded():
    text = ("BEGIN:VCARD\r\nVERSION:2.1\r\n"
            "N;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:Wi=C5=9Bniewski;=C5=81ukasz\r\n"
            "TEL;CELL:601234567\r\nEND:VCARD\r\n")
    record = vcard_to_record(text)
    assert (record.given, record.family, record.phones) == (
        "Łukasz", "Wiśniewski", [("cell", "601234567")])
