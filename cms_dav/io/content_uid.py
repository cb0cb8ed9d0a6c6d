"""UIDs derived from content, for imported objects that come without one.

Importing the same file twice must update, not duplicate: a missing UID is a
name-based UUID (RFC 9562 §5.5, version 5) of the object's content in one fixed
namespace, so the same content always gets the same UID. vCards (CSV/xlsx rows
and .vcf cards) write it as ``urn:uuid:...`` (RFC 6350 §6.7.6); iCalendar
objects as the bare UUID.
"""

from __future__ import annotations

import uuid

UID_NAMESPACE = uuid.UUID("6f1c2f0e-3b7a-5c1e-9a53-c0d1e5a7c0de")


def content_uuid(content: str) -> str:
    """The UUID named by ``content``: equal content, equal UUID."""
    return str(uuid.uuid5(UID_NAMESPACE, content))


def content_urn(content: str) -> str:
    """:func:`content_uuid` as a vCard UID URI."""
    return "urn:uuid:" + content_uuid(content)
