from cms_dav.io.contact_record import ContactRecord
from cms_dav.io.matching import ImportMatcher, match_keys


def matcher() -> ImportMatcher:
    m = ImportMatcher(default_region="PL")
    m.add("c1", ContactRecord(fn="Anna", uid="u-1", emails=[("", "anna@x.pl")]))
    m.add("c2", ContactRecord(fn="Jan", phones=[("", "+48 601 234 567")]))
    return m


def test_uid_is_trusted_first():
    found = matcher().find(ContactRecord(fn="Other", uid="u-1", phones=[("", "601234567")]))
    assert (found.contact_id, found.reason) == ("c1", "same UID")


def test_email_matches_in_any_case():
    assert matcher().find(ContactRecord(fn="A", emails=[("", " ANNA@X.PL")])).contact_id == "c1"


def test_phone_matches_in_any_format():
    assert matcher().find(ContactRecord(fn="J", phones=[("", "601-234-567")])).contact_id == "c2"


def test_email_beats_phone_when_they_point_at_different_contacts():
    record = ContactRecord(fn="X", emails=[("", "anna@x.pl")], phones=[("", "601 234 567")])
    assert matcher().find(record).contact_id == "c1"


def test_no_shared_key_means_no_match():
    assert matcher().find(ContactRecord(fn="Anna", emails=[("", "other@x.pl")])) is None


def test_match_keys_are_ordered_uid_email_phone():
    keys = match_keys(ContactRecord(uid="u", emails=[("", "A@x.pl")],
                                    phones=[("", "+48601234567")]), "PL")
    assert [k.split(":")[0] for k in keys][:2] == ["uid", "email"] and keys[-1].startswith("phone:")
