import vobject

from cms_dav.io.card_merge import merge_vcards
from cms_dav.io.contact_record import ContactRecord, record_to_vcard, vcard_to_record

WINNER = record_to_vcard(ContactRecord(
    fn="John Smith", given="John", family="Smith", uid="winner", emails=[("work", "john@acme.com")],
    phones=[("", "+48 601 234 567")], categories=["Klienci"], note="met in Poznań",
    interactions=["i1;2024-01-01;call;first"]))
LOSER = record_to_vcard(ContactRecord(
    fn="Jonh Smith", uid="loser", org="Acme", emails=[("", "JOHN@acme.com"), ("home", "j@home.pl")],
    phones=[("", "601-234-567"), ("cell", "+1 212 555 0100")], categories=["klienci", "VIP"],
    note="likes tea",
    interactions=["i1;2024-01-01;call;first", "i2;2024-02-02;mail;second\\, longer"]))


def merged():
    return vcard_to_record(merge_vcards(WINNER, [LOSER], "PL"))


def test_winner_keeps_its_name_and_uid():
    record = merged()
    assert (record.fn, record.given, record.family, record.uid) == (
        "John Smith", "John", "Smith", "winner")


def test_emails_and_phones_are_united_without_normalized_duplicates():
    record = merged()
    assert [v for _, v in record.emails] == ["john@acme.com", "j@home.pl"]
    assert [v for _, v in record.phones] == ["+48 601 234 567", "+1 212 555 0100"]


def test_categories_are_united_ignoring_case():
    assert merged().categories == ["Klienci", "VIP"]


def test_every_interaction_is_kept_once():
    assert merged().interactions == ["i1;2024-01-01;call;first",
                                     "i2;2024-02-02;mail;second\\, longer"]


def test_notes_of_both_are_kept():
    assert merged().note == "met in Poznań\n\nlikes tea"


def test_fields_the_winner_lacks_are_taken_from_the_loser():
    assert merged().org == "Acme"


def test_merged_card_is_valid_vcard():
    assert vobject.readOne(merge_vcards(WINNER, [LOSER, LOSER], "PL")).uid.value == "winner"


def test_an_interaction_written_with_escaped_separators_is_the_same_interaction() -> None:
    """As ``cms-dav notes`` writes it, and as vobject writes it back after a PUT."""
    plain = "i-7;call;20261120T100000Z;alice;;Renewal\\; quote"
    escaped = "i-7\\;call\\;20261120T100000Z\\;alice\\;\\;Renewal\\; quote"
    winner = record_to_vcard(ContactRecord(fn="Ada", uid="w", interactions=[escaped]))
    loser = record_to_vcard(ContactRecord(fn="Ada", uid="l", interactions=[plain]))
    assert vcard_to_record(merge_vcards(winner, [loser])).interactions == [escaped]


APPLE = ("BEGIN:VCARD\r\nVERSION:3.0\r\nUID:{uid}\r\nFN:John Smith\r\nN:Smith;John;;;\r\n"
         "{lines}END:VCARD\r\n")


def test_card_merge_no_longer_drops_the_losers_x_abdate_group_with_its_label():
    winner = APPLE.format(uid="winner", lines="item1.EMAIL:john@acme.com\r\n"
                          "item1.X-ABLabel:work\r\n")
    loser = APPLE.format(uid="loser", lines="item1.X-ABDATE;type=pref:2010-05-15\r\n"
                         "item1.X-ABLabel:_$!<Anniversary>!$_\r\n")
    text = merge_vcards(winner, [loser])
    card = vobject.readOne(text)
    dates = [line for line in card.lines() if line.name == "X-ABDATE"]
    assert [line.value for line in dates] == ["2010-05-15"]
    labels = {line.group: line.value for line in card.lines() if line.name == "X-ABLABEL"}
    assert labels == {"item1": "work", dates[0].group: "_$!<Anniversary>!$_"}


def test_a_grouped_phone_the_winner_has_already_is_not_added_twice():
    winner = APPLE.format(uid="winner", lines="TEL:+48 601 234 567\r\n")
    loser = APPLE.format(uid="loser", lines="item1.TEL:601-234-567\r\n"
                         "item1.X-ABLabel:_$!<Mobile>!$_\r\n")
    text = merge_vcards(winner, [loser], "PL")
    assert text.count("TEL") == 1 and "X-ABLABEL" not in text.upper()
