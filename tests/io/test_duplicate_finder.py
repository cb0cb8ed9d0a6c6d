from cms_dav.io.contact_record import ContactRecord
from cms_dav.io.duplicate_finder import find_duplicates
from tests.io.people import generate_people


def ids(records):
    return [(str(n), r) for n, r in enumerate(records)]


def test_thousand_distinct_people_give_no_duplicates():
    assert find_duplicates(ids(generate_people(1000)), "PL") == []


def test_planted_duplicates_are_all_found_among_a_thousand():
    people = generate_people(1000)
    email_dup = ContactRecord(fn="Someone Else", emails=[("", people[10].emails[0][1].upper())])
    phone = people[20].phones[0][1].replace("+48 ", "0048-").replace(" ", "-")
    phone_dup = ContactRecord(fn="Unknown caller", phones=[("", phone)])
    typo_dup = ContactRecord(fn="Jonh Smith", org="Globex", phones=[("", "+1 212 555 0100")])
    original = ContactRecord(fn="John Smith", org="Globex Inc.", emails=[("", "js@globex.com")],
                             phones=[("", "+1 212 555 0199")])
    records = ids(people + [original, email_dup, phone_dup, typo_dup])
    groups = {frozenset(g.ids) for g in find_duplicates(records, "PL")}
    assert groups == {frozenset({"10", "1001"}), frozenset({"20", "1002"}),
                      frozenset({"1000", "1003"})}


def test_email_in_other_case_scores_highest_and_says_why():
    (group,) = find_duplicates(ids([ContactRecord(fn="A", emails=[("", "Ann@X.pl")]),
                                    ContactRecord(fn="B", emails=[("", "ann@x.PL")])]))
    assert group.score == 95 and "same e-mail" in group.reasons[0]


def test_similar_names_with_different_contact_details_are_two_people():
    mary = ContactRecord(fn="Mary Smith", org="Acme", emails=[("", "m@a.com")],
                         phones=[("", "+1 212 555 0101")])
    mark = ContactRecord(fn="Mark Smith", org="Acme", emails=[("", "k@a.com")],
                         phones=[("", "+1 212 555 0102")])
    assert find_duplicates(ids([mary, mark])) == []


def test_similar_names_at_different_organisations_are_two_people():
    assert find_duplicates(ids([ContactRecord(fn="John Smith", org="Acme"),
                                ContactRecord(fn="Jonh Smith", org="Globex")])) == []


def test_same_chinese_name_at_same_company_is_a_duplicate_but_one_character_off_is_not():
    a, b, c = (ContactRecord(fn=n, org="华为") for n in ("张伟", "张 伟", "张薇"))
    (group,) = find_duplicates(ids([a, b, c]))
    assert group.ids == ["0", "1"]


def test_switchboard_number_shared_by_many_is_not_evidence():
    staff = [ContactRecord(fn=f"Person {n}", phones=[("", "+48 22 555 00 00")]) for n in range(8)]
    assert find_duplicates(ids(staff), "PL") == []


def test_generated_people_really_are_distinct():
    people = generate_people(1000)
    assert len({p.fn for p in people}) == 1000 and len({p.emails[0][1] for p in people}) == 1000
