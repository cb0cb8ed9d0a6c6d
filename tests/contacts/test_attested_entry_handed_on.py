"""An upload's new interaction, attested by review_upload, is decoded once per write
(round ten): the parses of the write hold the attested entry for its new line, and that
entry is what decoding the line gives, field for field, for any entry attestation makes."""

from __future__ import annotations

from dataclasses import fields
from datetime import date, datetime, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from cms_dav.contacts import interactions
from cms_dav.contacts.interactions import (KINDS, PROPERTY, Interaction, attested,
                                           decode_value, encode_value, parse_interactions,
                                           review_upload)
from cms_dav.contacts.vcard_lines import CardParses
from tests.contacts.test_interaction_roundtrip import AUTHORS, TEXT

NOW = datetime(2026, 12, 3, 18, 0, 0, tzinfo=timezone.utc)
MOMENTS = st.datetimes(min_value=datetime(1970, 1, 1), max_value=datetime(2200, 1, 1),
                       timezones=st.sampled_from([timezone.utc, timezone(timedelta(hours=8)),
                                                  timezone(timedelta(hours=-5, minutes=-30))]))


@st.composite
def uploaded_entries(draw: st.DrawFn) -> Interaction:
    follow_up = draw(st.one_of(st.none(), st.dates(min_value=date(1970, 1, 1),
                                                   max_value=date(2200, 1, 1))))
    at = draw(MOMENTS)
    return Interaction(id=draw(st.from_regex(r"\Ai-[A-Za-z0-9._-]{1,20}\Z")),
                       kind=draw(st.sampled_from(KINDS)), at=at, author=draw(AUTHORS),
                       follow_up=follow_up, text=draw(TEXT),
                       done=draw(MOMENTS) if follow_up is not None and draw(st.booleans())
                       else None)


@settings(max_examples=400, deadline=None)
@given(uploaded_entries(), AUTHORS, MOMENTS)
def test_decoding_an_attested_entry_gives_it_back_field_for_field(
        entry: Interaction, uploader: str, now: datetime) -> None:
    made = attested(entry, uploader, now)
    back = decode_value(encode_value(made))
    assert back == made
    for field in fields(Interaction):
        assert type(getattr(back, field.name)) is type(getattr(made, field.name))
    for stamp in (back.at, back.done, back.claimed):
        assert stamp is None or stamp.tzinfo is timezone.utc


CARD = ("BEGIN:VCARD\r\nVERSION:3.0\r\nUID:u-1\r\nFN:Zofia\r\n"
        f"{PROPERTY}:i-1;call;20260101T100000Z;alice;;text\\, with comma\r\n"
        f"{PROPERTY}:i-2;visit;20261101T100000Z;alice;20261224;\r\nEND:VCARD\r\n")


def test_the_reviewed_cards_new_lines_are_not_decoded_again(monkeypatch) -> None:
    decoded: list[str] = []
    original = interactions.decode_value

    def counting(value: str) -> Interaction:
        decoded.append(value)
        return original(value)

    monkeypatch.setattr(interactions, "decode_value", counting)
    parses = CardParses()
    review = review_upload(None, CARD, "bench", NOW, parses)
    assert len(review.attested_ids) == 2 and len(decoded) == 2
    assert parse_interactions(review.text, parses=parses) == \
        parse_interactions(review.text)
    assert len(decoded) == 2 + 2  # the second read, without the parses, decodes anew
