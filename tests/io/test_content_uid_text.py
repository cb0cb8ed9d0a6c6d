"""content_uuid makes its text without a ``uuid.UUID`` (round eleven: one per CSV row
without a UID): for every content it is ``str(uuid.uuid5(UID_NAMESPACE, content))``,
so a row imported again gets the UID it got before (a pinned value guards that)."""

from __future__ import annotations

import uuid

from hypothesis import given, settings
from hypothesis import strategies as st

from cms_dav.io.content_uid import UID_NAMESPACE, content_urn, content_uuid


def test_a_known_content_keeps_its_uid() -> None:
    assert content_uuid("ContactRecord(uid=None)") == "fa0ed88f-dbd5-5660-b819-b41ef07a237a"
    assert content_urn("ContactRecord(uid=None)") == \
        "urn:uuid:fa0ed88f-dbd5-5660-b819-b41ef07a237a"


@settings(max_examples=2000, deadline=None)
@given(st.text(st.characters(blacklist_categories=("Cs",)), max_size=300))
def test_any_content_as_uuid5(content: str) -> None:
    expected = uuid.uuid5(UID_NAMESPACE, content)
    assert content_uuid(content) == str(expected)
    assert uuid.UUID(content_uuid(content)).version == 5
