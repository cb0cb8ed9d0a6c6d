"""Request and response bodies of the JSON API (pydantic v2; unknown fields are refused).

Strings of a request that become one vCard content line refuse line breaks and control
characters here, so a request can never smuggle a second property into a card; every
list and string has a bound. Answers have models of their own without those bounds:
a card a CardDAV client stored may hold anything its vCard allows.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

#: one line of text: no control characters (line breaks included)
Line = Annotated[str, StringConstraints(max_length=500, pattern=r"^[^\x00-\x1f\x7f]*$")]
ShortLine = Annotated[str, StringConstraints(max_length=200, pattern=r"^[^\x00-\x1f\x7f]*$")]
TypeName = Annotated[str, StringConstraints(min_length=1, max_length=20,
                                            pattern=r"^[A-Za-z0-9-]+$")]
PhoneValue = Annotated[str, StringConstraints(min_length=1, max_length=64,
                                              pattern=r"^[+0-9A-Za-z*#()./ :-]+$")]
Email = Annotated[str, StringConstraints(min_length=3, max_length=254,
                                         pattern=r"^[^\x00-\x20\x7f,;<>]+@[^\x00-\x20\x7f,;<>]+$")]
Birthday = Annotated[str, StringConstraints(max_length=32,
                                            pattern=r"^(\d{4}|--)-?\d{2}-?\d{2}$")]
Uid = Annotated[str, StringConstraints(min_length=1, max_length=200,
                                       pattern=r"^[A-Za-z0-9._@:+=-]+$")]
FieldKey = Annotated[str, StringConstraints(max_length=64, pattern=r"^[A-Za-z][A-Za-z0-9_-]*$")]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Name(Strict):
    formatted: Line = ""
    family: Line = ""
    given: Line = ""
    additional: Line = ""
    prefixes: Line = ""
    suffixes: Line = ""


class Organisation(Strict):
    name: Line
    units: list[Line] = Field(default_factory=list, max_length=10)


class Phone(Strict):
    value: PhoneValue
    types: list[TypeName] = Field(default_factory=list, max_length=8)


class EmailAddress(Strict):
    value: Email
    types: list[TypeName] = Field(default_factory=list, max_length=8)


class Address(Strict):
    types: list[TypeName] = Field(default_factory=list, max_length=8)
    po_box: Line = ""
    extended: Line = ""
    street: Line = ""
    locality: Line = ""
    region: Line = ""
    postal_code: ShortLine = ""
    country: Line = ""


class Interaction(Strict):
    id: str
    kind: str
    author: str
    text: str
    at: str = Field(description="when it happened (the claimed time, else recorded_at)")
    recorded_at: str
    follow_up: str | None = None
    done_at: str | None = None


class ContactParts(Strict):
    """The parts of a contact a client writes; on update, a part left out is kept and a
    part sent as null is cleared (as in a JSON merge patch, RFC 7396)."""

    name: Name | None = None
    nicknames: list[ShortLine] | None = Field(None, max_length=20)
    organisation: Organisation | None = None
    title: Line | None = None
    phones: list[Phone] | None = Field(None, max_length=50)
    emails: list[EmailAddress] | None = Field(None, max_length=50)
    addresses: list[Address] | None = Field(None, max_length=20)
    categories: list[ShortLine] | None = Field(None, max_length=50)
    birthday: Birthday | None = None
    fields: dict[FieldKey, Line] | None = Field(
        None, max_length=100, description="custom field values by key; \"\" clears one")


class ContactIn(ContactParts):
    """A new contact: its parts, or ``vcard`` alone (the whole card as text)."""

    uid: Uid | None = Field(None, description="default: a new UUID")
    vcard: str | None = Field(None, max_length=1_000_000,
                              description="a whole vCard instead of the parts")


class ContactUpdate(ContactParts):
    """Changes to a contact: the parts to replace, or ``vcard`` alone (the whole card)."""

    vcard: str | None = Field(None, max_length=1_000_000)


# -- answers: what a stored card holds, whatever a CardDAV client wrote (no bounds) --
class NameOut(Strict):
    formatted: str
    family: str
    given: str
    additional: str
    prefixes: str
    suffixes: str


class OrganisationOut(Strict):
    name: str
    units: list[str]


class PhoneOut(Strict):
    value: str
    types: list[str]
    e164: str | None = Field(None, description="E.164 form, when the number can be read")


class EmailOut(Strict):
    value: str
    types: list[str]


class AddressOut(Strict):
    types: list[str]
    po_box: str
    extended: str
    street: str
    locality: str
    region: str
    postal_code: str
    country: str


class Contact(Strict):
    address_book: str
    href: str
    etag: str
    uid: str
    kind: str
    name: NameOut
    nicknames: list[str]
    organisation: OrganisationOut | None
    title: str | None
    phones: list[PhoneOut]
    emails: list[EmailOut]
    addresses: list[AddressOut]
    categories: list[str]
    birthday: str | None
    fields: dict[str, str]
    interactions: list[Interaction]
    vcard: str


class ContactPage(Strict):
    items: list[Contact]
    next_cursor: str | None = Field(None, description="pass as ?cursor= for the next page")


class ContactSummary(Strict):
    address_book: str
    href: str
    uid: str
    name: str
    organisation: str
    emails: list[str]
    phones: list[str]
    categories: list[str]
    score: float | None = None


class Collection(Strict):
    path: str
    owner: str
    name: str
    display_name: str
    access: Literal["read", "write"]


class InteractionIn(Strict):
    kind: Literal["call", "meeting", "email", "visit", "note"]
    text: Annotated[str, StringConstraints(max_length=10_000)]
    at: datetime | None = Field(None, description="when it happened (past), default now")
    follow_up: date | None = None


class DoneIn(Strict):
    at: datetime | None = None


class FieldDefinition(Strict):
    key: str
    type: str
    choices: list[str]
    labels: dict[str, str]
    scope: list[str]


class AuditEntry(Strict):
    id: int
    at: str | None
    user: str
    door: str
    method: str
    kind: str
    action: str
    collection: str
    href: str
    uid: str
    old_etag: str
    new_etag: str


class Version(Strict):
    version: str
    at: str | None
    author: str
    door: str
    etag: str
    ended: str
    summary: str


class SegmentOut(Strict):
    name: str
    owner: str
    sources: list[str]
    filters: dict[str, str]
    address_book: str


class Share(Strict):
    path: str
    to: str
    access: str
    by: str
    source: str
    mount: str = ""
    expires: float | None = None
    link: str = ""


Principal = Annotated[str, StringConstraints(min_length=6, max_length=120,
                                             pattern=r"^(user|group):[^\x00-\x20/]+$")]


class ShareIn(Strict):
    to: Principal = Field(description="user:NAME or group:NAME")
    access: Literal["read", "write", "admin"] = "read"
