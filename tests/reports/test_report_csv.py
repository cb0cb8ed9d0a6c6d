"""The CSV report's numbers equal counts computed here from the generated data."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, time, timedelta, timezone

import pytest

from tests.reports.conftest import Reported, parse_csv
from tests.reports.people import KINDS, Note, Person

Sections = dict[str, tuple[list[str], list[list[str]]]]


@pytest.fixture(scope="module")
def sections(reported: Reported) -> Sections:
    """``cms-dav report --all --format csv`` as a subprocess: the real command line."""
    result = reported.server.cli("report", "--all", "--format", "csv",
                                 "--today", reported.today.isoformat(), check=True)
    return parse_csv(result.stdout)


def table(sections: Sections, key: str) -> dict[str, int]:
    header, rows = sections[key]
    assert len(header) == 2, header
    return {label: int(count) for label, count in rows}


def plain(cell: str) -> str:
    """A CSV cell as written before the report made it inert for spreadsheets."""
    return cell[1:] if cell[:1] == "'" and cell[1:2] in ("=", "+", "-", "@") else cell


def counted(values_per_person: list[list[str]]) -> Counter[str]:
    found: Counter[str] = Counter()
    for values in values_per_person:
        found.update(set(values) or {"(none)"})
    return found


def test_summary_counts_books_people_and_groups(reported, sections):
    assert table(sections, "summary") == {
        "address books": 3, "cards": len(reported.people) + 1,
        "contacts (people)": len(reported.people), "groups": 1, "unreadable cards": 0}


def test_contacts_by_category_equal_the_generated_categories(reported, sections):
    assert table(sections, "by_category") == counted([p.categories for p in reported.people])


def test_contacts_by_organisation_equal_the_generated_organisations(reported, sections):
    expected = counted([[p.org] if p.org else [] for p in reported.people])
    assert table(sections, "by_organisation") == expected


@pytest.mark.parametrize("key, part", [("by_city", 0), ("by_country", 1)])
def test_contacts_by_city_and_country_equal_the_generated_addresses(reported, sections, key,
                                                                     part):
    expected = counted([[p.place[part]] if p.place else [] for p in reported.people])
    assert table(sections, key) == expected


def test_every_contact_counts_as_added_in_the_month_it_was_written(reported, sections):
    added = table(sections, "added_per_month")
    assert set(added) <= reported.month_created
    assert sum(added.values()) == len(reported.people)


def test_interactions_by_type_equal_the_notes_added(reported, sections):
    kinds = Counter(n.kind for p in reported.people for n in p.notes)
    assert table(sections, "interactions_by_type") == {k: kinds[k] for k in KINDS}


def test_interactions_per_month_equal_the_notes_added(reported, sections):
    months = Counter(n.at.strftime("%Y-%m") for p in reported.people for n in p.notes)
    found = table(sections, "interactions_per_month")
    assert {m: c for m, c in found.items() if c} == months


def test_interactions_by_type_per_month_equal_the_notes_added(reported, sections):
    expected = Counter((n.at.strftime("%Y-%m"), n.kind) for p in reported.people
                       for n in p.notes)
    _header, rows = sections["interactions_by_type_per_month"]
    assert {(m, k): int(c) for m, k, c in rows} == expected


def test_interactions_by_author_per_month_equal_the_notes_added(reported, sections):
    expected = Counter((n.at.strftime("%Y-%m"), n.author) for p in reported.people
                       for n in p.notes)
    header, rows = sections["interactions_by_author_per_month"]
    assert header == ["month", "author", "interactions"]
    assert {(m, a): int(c) for m, a, c in rows} == expected


def _stale(person: Person, cutoff: datetime) -> bool:
    return not person.notes or max(n.at for n in person.notes) < cutoff


def test_not_contacted_lists_exactly_the_people_without_a_note_in_90_days(reported, sections):
    cutoff = datetime.combine(reported.today - timedelta(days=90), time(), timezone.utc)
    expected = sorted(p.name for p in reported.people if _stale(p, cutoff))
    _header, rows = sections["not_contacted"]
    assert sorted(plain(row[0]) for row in rows) == expected


def test_never_contacted_people_come_first(reported, sections):
    _header, rows = sections["not_contacted"]
    never = sum(1 for p in reported.people if not p.notes)
    assert [row[2] for row in rows[:never]] == ["never"] * never
    assert "never" not in [row[2] for row in rows[never:]]


def test_no_phone_and_no_email_lists_name_the_people_without_one(reported, sections):
    assert sorted(plain(r[0]) for r in sections["no_phone"][1]) == sorted(
        p.name for p in reported.people if p.phone is None)
    assert sorted(plain(r[0]) for r in sections["no_email"][1]) == sorted(
        p.name for p in reported.people if p.email is None)


def open_follow_ups(person: Person) -> list[Note]:
    """Not marked done, and no later note on the contact set a follow-up of its own."""
    return [n for n in person.notes if n.follow_up and not n.done
            and not any(m.follow_up and m.at > n.at for m in person.notes)]


def test_open_follow_ups_due_in_the_next_30_days_are_listed_with_their_date(reported,
                                                                            sections):
    last = reported.today + timedelta(days=30)
    expected = sorted((n.follow_up.isoformat(), p.name) for p in reported.people
                      for n in open_follow_ups(p) if reported.today <= n.follow_up <= last)
    assert expected, "the generated data has follow-ups due"
    assert sorted((r[0], plain(r[1])) for r in sections["follow_ups_due"][1]) == expected


def test_a_follow_up_marked_done_is_not_listed(reported, sections):
    done = [n.text for p in reported.people for n in p.notes if n.done]
    assert len(done) == 1
    assert done[0] not in [r[5] for r in sections["follow_ups_due"][1]]


def test_overdue_open_follow_ups_are_listed_apart(reported, sections):
    expected = sorted((n.follow_up.isoformat(), p.name) for p in reported.people
                      for n in open_follow_ups(p) if n.follow_up < reported.today)
    assert sorted((r[0], plain(r[1])) for r in sections["follow_ups_overdue"][1]) == expected


def test_birthdays_and_anniversaries_in_the_next_30_days_with_age_where_known(reported,
                                                                             sections):
    today, expected = reported.today, []
    for person in reported.people:
        for kind, _lines, month, day, year in person.dates:
            when = date(today.year, month, day)
            when = when if when >= today else date(today.year + 1, month, day)
            if when <= today + timedelta(days=30):
                expected.append((when.isoformat(), person.name, kind,
                                 str(when.year - year) if year else ""))
    assert {e[3] == "" for e in expected} == {True, False}, "full and year-less dates"
    header, rows = sections["birthdays_due"]
    assert header[:5] == ["date", "name", "address_book", "kind", "years"]
    assert sorted((r[0], plain(r[1]), r[3], r[4]) for r in rows) == sorted(expected)


def test_data_quality_counts_equal_the_broken_values_generated(reported, sections):
    people = reported.people
    quality = table(sections, "data_quality")
    bad_email = sum(1 for p in people if p.email is not None and not p.email_ok)
    bad_phone = sum(1 for p in people if p.phone is not None and not p.phone_ok)
    with_problem = sum(1 for p in people if (p.email is not None and not p.email_ok)
                       or (p.phone is not None and not p.phone_ok))
    assert (quality["cards checked"], quality["invalid e-mail address"],
            quality["unreadable or invalid phone number"], quality["cards with a problem"]) == (
        len(people) + 1, bad_email, bad_phone, with_problem)


def test_a_name_a_spreadsheet_would_run_as_a_formula_is_made_inert(reported, sections):
    names = [row[0] for row in sections["no_phone"][1] + sections["not_contacted"][1]]
    formulas = [n for n in names if "SUM(1+2)" in n]
    assert formulas and all(n.startswith("'=") for n in formulas)
