"""Property-based round trips: any text survives our encoding and vobject's re-serialization."""

from datetime import date, datetime, timezone

import vobject
from hypothesis import given, settings
from hypothesis import strategies as st

from cms_dav.contacts.interactions import (KINDS, Interaction, add_interaction,
                                           merge_preserving_interactions, parse_interactions)
from tests.contacts.cards import card

# Any printable text plus the characters that need escaping, emoji and CJK.
TEXT = st.text(
    alphabet=st.one_of(
        st.characters(blacklist_categories=("Cs", "Cc")),
        st.sampled_from([",", ";", "\\", "\n", ":", '"', "😀", "张", "伟", "ł", "\t", " "]),
    ),
    max_size=300,
)
AUTHORS = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc"),
                                         blacklist_characters=";\\"),
                  min_size=1, max_size=30).filter(str.strip)
INTERACTIONS = st.builds(
    Interaction,
    id=st.from_regex(r"\Ai-[a-z0-9]{1,20}\Z"),
    kind=st.sampled_from(KINDS),
    at=st.datetimes(min_value=datetime(1970, 1, 1), max_value=datetime(2200, 1, 1),
                    timezones=st.just(timezone.utc)),
    author=AUTHORS,
    follow_up=st.one_of(st.none(),
                        st.dates(min_value=date(1970, 1, 1), max_value=date(2200, 1, 1))),
    text=TEXT,
)
VERSIONS = st.sampled_from(["3.0", "4.0"])
SETTINGS = settings(max_examples=200, deadline=None)


@SETTINGS
@given(INTERACTIONS, VERSIONS)
def test_parse_of_add_gives_back_the_interaction(interaction, version):
    assert parse_interactions(add_interaction(card(version=version), interaction)) == [interaction]


@SETTINGS
@given(INTERACTIONS, VERSIONS)
def test_interaction_survives_vobject_reserialization(interaction, version):
    stored = vobject.readOne(add_interaction(card(version=version), interaction)).serialize()
    assert parse_interactions(stored) == [interaction]


@SETTINGS
@given(st.lists(INTERACTIONS, min_size=1, max_size=4, unique_by=lambda i: i.id), VERSIONS)
def test_merge_restores_every_dropped_interaction(interactions, version):
    stored = card(version=version)
    for interaction in interactions:
        stored = add_interaction(stored, interaction)
    stored = vobject.readOne(stored).serialize()
    merged, changed = merge_preserving_interactions(stored, card(version=version, fn="Edited"))
    assert changed and parse_interactions(merged) == interactions
