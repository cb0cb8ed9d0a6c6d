"""The SQL schema (SQLAlchemy Core). Alembic migrations under ``migrations/`` create it.

Every write is one transaction over ``items``, ``changes``, ``history`` and ``audit``
(and, as later layers arrive, the search index), so the change log that backs sync
tokens can never disagree with the items it describes.
"""

from __future__ import annotations

from sqlalchemy import (BigInteger, Boolean, Column, Date, Float, ForeignKey, Index, Integer,
                        MetaData, PrimaryKeyConstraint, String, Table, Text,
                        UniqueConstraint)

metadata = MetaData()

#: A collection: the root is implicit; principals (``alice``), plain folders and
#: tagged address books/calendars are rows. ``path`` has no leading/trailing slash.
collections = Table(
    "collections", metadata,
    Column("id", Integer, primary_key=True),
    Column("path", String(1024), nullable=False, unique=True),
    Column("parent_path", String(1024), nullable=False, index=True),
    Column("tag", String(16), nullable=False, default=""),
    Column("props", Text, nullable=False, default="{}"),
    Column("created_at", Float, nullable=False),
    Column("modified_at", Float, nullable=False),
    #: last change number of this collection; bumped (row-locked) by every write
    Column("sync_seq", BigInteger, nullable=False, default=0),
    #: changes with seq <= sync_floor were pruned: older tokens are invalid
    Column("sync_floor", BigInteger, nullable=False, default=0),
    #: random per incarnation; a new epoch (restore, re-create) invalidates old tokens
    Column("sync_epoch", String(32), nullable=False),
    #: items in this collection, kept by items.put/remove (the item quota reads it)
    Column("item_count", BigInteger, nullable=False, default=0, server_default="0"),
)

items = Table(
    "items", metadata,
    Column("id", Integer, primary_key=True),
    Column("collection_id", Integer, ForeignKey("collections.id", ondelete="CASCADE"),
           nullable=False),
    Column("href", String(512), nullable=False),
    Column("uid", String(512), nullable=False),
    #: "VCARD", "VCALENDAR" (the vobject name) and the main component (VEVENT...)
    Column("name", String(16), nullable=False),
    Column("component", String(16), nullable=False),
    Column("etag", String(80), nullable=False),
    Column("text", Text, nullable=False),
    Column("time_start", BigInteger, nullable=False, default=0),
    Column("time_end", BigInteger, nullable=False, default=0),
    Column("modified_at", Float, nullable=False),
    Column("seq", BigInteger, nullable=False),
    UniqueConstraint("collection_id", "href", name="uq_items_href"),
    UniqueConstraint("collection_id", "uid", name="uq_items_uid"),
)
Index("ix_items_time", items.c.collection_id, items.c.time_start, items.c.time_end)

#: One row per item change; ``deleted`` rows let sync report removals.
changes = Table(
    "changes", metadata,
    Column("id", Integer, primary_key=True),
    Column("collection_id", Integer, ForeignKey("collections.id", ondelete="CASCADE"),
           nullable=False),
    Column("seq", BigInteger, nullable=False),
    Column("href", String(512), nullable=False),
    Column("deleted", Boolean, nullable=False, default=False),
    Column("at", Float, nullable=False),
)
Index("ix_changes_seq", changes.c.collection_id, changes.c.seq)

#: Every version an item had before a write replaced or deleted it (history + trash).
history = Table(
    "history", metadata,
    Column("id", Integer, primary_key=True),
    Column("collection_path", String(1024), nullable=False, index=True),
    Column("href", String(512), nullable=False),
    Column("uid", String(512), nullable=False),
    Column("etag", String(80), nullable=False),
    Column("text", Text, nullable=False),
    Column("action", String(16), nullable=False),  # "replaced" | "deleted"
    Column("actor", String(128), nullable=False, default=""),
    Column("at", Float, nullable=False, index=True),
    #: the door the replacing/deleting write came through ("http", "cli"; migration 0007)
    Column("door", String(16), nullable=False, default="", server_default=""),
)

#: The audit trail (``cms_dav.store.audit``). The origin and item columns came with
#: migration 0007 (issue 13 item 3); older rows have them empty.
audit = Table(
    "audit", metadata,
    Column("id", Integer, primary_key=True),
    Column("at", Float, nullable=False, index=True),
    Column("actor", String(128), nullable=False, default=""),
    Column("action", String(64), nullable=False),
    Column("target", String(1024), nullable=False, default=""),
    Column("detail", Text, nullable=False, default="{}"),
    #: "http", "cli" (later "api", "web"); "" when the caller did not say
    Column("door", String(16), nullable=False, default="", server_default=""),
    #: the client's address (REMOTE_ADDR) or "local" for the CLI
    Column("address", String(64), nullable=False, default="", server_default=""),
    #: the HTTP method or the CLI command path ("notes add")
    Column("method", String(128), nullable=False, default="", server_default=""),
    Column("kind", String(32), nullable=False, default="", server_default=""),
    #: collection path (no slashes around), item href and UID ("" for collection kinds)
    Column("collection", String(1024), nullable=False, default="", server_default=""),
    Column("href", String(512), nullable=False, default="", server_default=""),
    Column("uid", String(512), nullable=False, default="", server_default=""),
    Column("old_etag", String(80), nullable=False, default="", server_default=""),
    Column("new_etag", String(80), nullable=False, default="", server_default=""),
)
Index("ix_audit_actor", audit.c.actor, audit.c.at)
Index("ix_audit_item", audit.c.collection, audit.c.href)
Index("ix_audit_uid", audit.c.uid)

#: Shares that users create (Radicale's sharing DB_FIELDS_V1, one row per share).
shares = Table(
    "shares", metadata,
    Column("id", Integer, primary_key=True),
    Column("share_type", String(8), nullable=False),
    Column("path_or_token", String(1024), nullable=False),
    Column("path_mapped", String(1024), nullable=False),
    Column("conversion", String(16), nullable=False, default="none"),
    Column("owner", String(128), nullable=False),
    Column("user_name", String(256), nullable=False),
    Column("permissions", String(32), nullable=False, default="r"),
    Column("enabled_by_owner", Boolean, nullable=False, default=True),
    Column("enabled_by_user", Boolean, nullable=False, default=False),
    Column("hidden_by_owner", Boolean, nullable=False, default=False),
    Column("hidden_by_user", Boolean, nullable=False, default=True),
    Column("created_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
    Column("properties", Text, nullable=False, default="{}"),
    Column("actions", Text, nullable=False, default="{}"),
    #: when a token link stops working (unix time); NULL for map shares (migration 0004)
    Column("expires_at", Float, nullable=True),
    UniqueConstraint("share_type", "path_or_token", "user_name", name="uq_shares"),
)
Index("ix_shares_mapped", shares.c.path_mapped)
Index("ix_shares_user", shares.c.user_name)

#: Store-wide facts (schema generation, restore epoch...).
meta = Table(
    "store_meta", metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

#: Collections deleted by a client or the CLI, restorable with their items (from
#: ``history``) until the trash is purged.
trash_collections = Table(
    "trash_collections", metadata,
    Column("id", Integer, primary_key=True),
    Column("path", String(1024), nullable=False, index=True),
    Column("tag", String(16), nullable=False),
    Column("props", Text, nullable=False),
    Column("actor", String(128), nullable=False, default=""),
    Column("deleted_at", Float, nullable=False, index=True),
)

#: Contact search index (issue 4), rebuilt by ``cms-dav reindex``. One row per
#: (card, field, normalized term) from ``cms_dav.contacts.search_terms.index_terms``;
#: kept in the card's write transaction by ``cms_dav.contacts.index_hook``.
contact_terms = Table(
    "contact_terms", metadata,
    Column("id", Integer, primary_key=True),
    Column("item_id", Integer, ForeignKey("items.id", ondelete="CASCADE"), nullable=False,
           index=True),
    Column("collection_id", Integer, nullable=False),
    Column("field", String(16), nullable=False),
    Column("term", String(512), nullable=False),
)
#: exact and prefix seeks per field, covering (cms_dav.contacts.search_tiers; 0017_web_sessions);
#: every query names the field, so the term-only index went (0020_disk_unused_index)
Index("ix_contact_terms_field_term", contact_terms.c.field, contact_terms.c.term,
      contact_terms.c.collection_id, contact_terms.c.item_id)

#: What listings and search results show, one row per indexed vCard. ``etag`` is the
#: version indexed: a row whose etag differs from the item's is stale and not trusted
#: by the addressbook-query prefilter.
contact_cards = Table(
    "contact_cards", metadata,
    Column("item_id", Integer, ForeignKey("items.id", ondelete="CASCADE"), primary_key=True),
    Column("collection_id", Integer, ForeignKey("collections.id", ondelete="CASCADE"),
           nullable=False, index=True),
    Column("href", String(512), nullable=False),
    Column("etag", String(80), nullable=False),
    Column("uid", String(512), nullable=False, default=""),
    Column("fn", Text, nullable=False, default=""),
    Column("kind", String(32), nullable=False, default="individual"),
    Column("org", Text, nullable=False, default=""),
    Column("nicknames", Text, nullable=False, default="[]"),  # JSON lists from here on
    Column("emails", Text, nullable=False, default="[]"),
    Column("phones", Text, nullable=False, default="[]"),
    Column("categories", Text, nullable=False, default="[]"),
    Column("members", Text, nullable=False, default="[]"),
    Column("is_group", Boolean, nullable=False, default=False),
    Column("last_contacted", Float, nullable=True),
    #: False when the contacts layer could not read the card (no terms, shown by href)
    Column("fields_ok", Boolean, nullable=False, default=False),
    #: True when contact_values holds every value the DAV filter could test
    Column("values_ok", Boolean, nullable=False, default=False),
    #: the web dashboard's bounded queries (migration 0014_web_dashboard): the birthday
    #: as month * 100 + day, and the earliest open follow-up date
    Column("birthday", Integer, nullable=True),
    Column("follow_up", Date, nullable=True),
    #: the display name (or href) folded (contacts.normalize.fold): the web app's list
    #: is paged in SQL in this order (migration 0015_contact_sort)
    Column("sort_key", Text, nullable=False, default=""),
)
Index("ix_contact_cards_birthday", contact_cards.c.collection_id, contact_cards.c.birthday)
Index("ix_contact_cards_follow_up", contact_cards.c.collection_id, contact_cards.c.follow_up)
Index("ix_contact_cards_sort", contact_cards.c.collection_id, contact_cards.c.sort_key,
      contact_cards.c.href)

#: The name and pinyin rows of contact_terms (people only, the term cut at 64) with their
#: card's list order, so that a search level of those fields is read in name order from
#: one index (cms_dav.contacts.search_order; migration 0019_web_sorted_terms): an equal
#: term is a seek that yields the page, a prefix a range of covering entries, never a
#: walk of the whole book's sort index (Chinese names sort after every Latin one).
#: Compared by code point on every backend (PostgreSQL: collation "C"), as the search
#: orders names in Python and as SQLite's BINARY does.
_CODE_POINT_TEXT = Text().with_variant(Text(collation="C"), "postgresql")
contact_sorted_terms = Table(
    "contact_sorted_terms", metadata,
    Column("field", String(16), nullable=False),
    Column("collection_id", Integer, nullable=False),
    Column("term", String(64).with_variant(String(64, collation="C"), "postgresql"),
           nullable=False),
    Column("sort_key", _CODE_POINT_TEXT, nullable=False),
    Column("href", String(512).with_variant(String(512, collation="C"), "postgresql"),
           nullable=False),
    Column("item_id", Integer, ForeignKey("items.id", ondelete="CASCADE"), nullable=False,
           index=True),
    PrimaryKeyConstraint("field", "collection_id", "term", "sort_key", "href", "item_id",
                         name="pk_contact_sorted_terms"),
    sqlite_with_rowid=False,
)

#: Lower-cased property values exactly as Radicale's text-match sees them (vobject
#: values, list values split), so addressbook-query candidates are never too few.
contact_values = Table(
    "contact_values", metadata,
    Column("id", Integer, primary_key=True),
    Column("item_id", Integer, ForeignKey("items.id", ondelete="CASCADE"), nullable=False,
           index=True),
    Column("collection_id", Integer, nullable=False),
    Column("prop", String(32), nullable=False),
    Column("value", Text, nullable=False),
)
Index("ix_contact_values_prop", contact_values.c.collection_id, contact_values.c.prop)

#: SQLite FTS5 trigram tables over contact_values.value and contact_terms.term (and
#: FTS5's own shadow tables), made by migration 0012_trigram and kept by triggers
#: (cms_dav.contacts.trigram). Derived from the rows above: never dumped, copied,
#: restored or counted as data.
DERIVED_TABLE_PREFIXES = ("contact_values_trgm", "contact_terms_trgm")


def is_data_table(name: str, _metadata: object = None) -> bool:
    """False for the derived trigram tables (``MetaData.reflect(only=...)`` takes it)."""
    return not name.startswith(DERIVED_TABLE_PREFIXES)

#: Custom field values (issue 14), one row per (card, field) with a value, kept in the
#: card's write transaction by ``cms_dav.contacts.field_index``: ``text`` as written
#: (canonical), ``folded`` for case-insensitive equality, ``number`` / ``day`` when the
#: value reads as a number / ISO date, so comparisons are typed and need no card.
contact_field_values = Table(
    "contact_field_values", metadata,
    Column("id", Integer, primary_key=True),
    Column("item_id", Integer, ForeignKey("items.id", ondelete="CASCADE"), nullable=False,
           index=True),
    Column("collection_id", Integer, nullable=False),
    Column("field", String(64), nullable=False),
    Column("text", Text, nullable=False),
    Column("folded", String(512), nullable=False),
    Column("number", Float, nullable=True),
    Column("day", Date, nullable=True),
)
Index("ix_contact_field_values_field", contact_field_values.c.collection_id,
      contact_field_values.c.field)

#: Failed-login counters shared by every server process and the CLI (issue 10).
#: ``kind`` is "pair" (user, network), "address" (network, any user) or "account"
#: (user, any network); the unused key column is "". ``locked_until`` 0 = not locked.
login_failures = Table(
    "login_failures", metadata,
    Column("kind", String(8), primary_key=True),
    Column("user_name", String(128), primary_key=True),
    Column("address", String(64), primary_key=True),
    Column("failures", Integer, nullable=False),
    Column("first_at", Float, nullable=False),
    Column("last_at", Float, nullable=False, index=True),
    Column("locked_until", Float, nullable=False, default=0.0),
)

#: Per-user preferences set by the CLI (``cms-dav user set``), e.g. ``birthdays`` =
#: "on"/"off" (issue 13); a missing row means the config default.
user_preferences = Table(
    "user_preferences", metadata,
    Column("user_name", String(128), primary_key=True),
    Column("name", String(64), primary_key=True),
    Column("value", String(256), nullable=False),
)

#: Server-generated calendars (``cms_dav.calendars``): the fingerprint of the inputs the
#: stored items were generated from, so an unchanged input costs one lookup.
derived_state = Table(
    "derived_state", metadata,
    Column("path", String(1024), primary_key=True),
    Column("fingerprint", String(64), nullable=False),
    Column("refreshed_at", Float, nullable=False),
)

#: One item's versions, newest first, without reading the rest of its collection's
#: history: ``cms-dav history`` and the retention's "keep the newest N" (migration 0010).
Index("ix_history_item", history.c.collection_path, history.c.href, history.c.id)

#: Saved filters published as read-only address books (issue 14 item 3,
#: ``cms_dav.contacts.segments``): owner ``user:NAME`` or ``group:NAME``, the source
#: books (JSON list of stored paths) and the filter (JSON: where, category, city, since).
segments = Table(
    "segments", metadata,
    Column("name", String(64), primary_key=True),
    Column("owner", String(200), nullable=False),
    Column("sources", Text, nullable=False),
    Column("filters", Text, nullable=False),
    Column("created_at", Float, nullable=False),
)

#: App passwords (issue 15 item 2, ``cms_dav.auth.app_passwords``): one per device or
#: integration. ``lookup`` is the public part of the token (found by one indexed
#: SELECT), ``secret_hash`` the SHA-256 of its secret part; the secret itself is never
#: stored. ``scope`` is "read", "write" or "admin". Times are unix seconds; ``expires_at``
#: and ``last_used_at`` None = never, ``revoked_at`` None = live.
app_passwords = Table(
    "app_passwords", metadata,
    Column("id", Integer, primary_key=True),
    Column("user_name", String(128), nullable=False),
    Column("name", String(64), nullable=False),
    Column("scope", String(8), nullable=False),
    Column("lookup", String(32), nullable=False, unique=True),
    Column("secret_hash", String(64), nullable=False),
    Column("created_at", Float, nullable=False),
    Column("expires_at", Float, nullable=True),
    Column("last_used_at", Float, nullable=True),
    Column("revoked_at", Float, nullable=True),
    UniqueConstraint("user_name", "name", name="uq_app_passwords_user_name"),
)

#: Web app sessions (issue 16 item 4), so any worker or node can end one: the cookie
#: carries a random id, the row its SHA-256 (``lookup``), the user and the times the
#: idle and absolute timeouts are checked against. Signing out deletes the row; a
#: password change or removal of the user deletes all of theirs (migration 0017_web_sessions).
web_sessions = Table(
    "web_sessions", metadata,
    Column("lookup", String(64), primary_key=True),
    Column("user_name", String(128), nullable=False, index=True),
    Column("scope", String(8), nullable=False),
    Column("began", Float, nullable=False),
    Column("seen", Float, nullable=False),
)

#: Logins when the users live in the database (``[auth] users = database``, the default
#: on PostgreSQL; issue 17 item 2): every node reads the same rows. ``password_hash`` is
#: bcrypt, as in the htpasswd file. Changes bump ``store_meta`` key ``users_version``
#: (a random value per change), which nodes poll to drop their verified-login caches.
users = Table(
    "users", metadata,
    Column("name", String(128), primary_key=True),
    Column("password_hash", String(128), nullable=False),
    Column("created_at", Float, nullable=False),
    Column("changed_at", Float, nullable=False),
)
#: The durable outbox (:mod:`cms_dav.outbox`): one row per change that something outside
#: the process must hear about (webhooks, push), written in the change's transaction.
#: ``kind`` e.g. "contact.created"; ``payload`` JSON; ``sync_token`` the collection's
#: token after the change ("" when the change has none).
outbox_events = Table(
    "outbox_events", metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(64), nullable=False),
    Column("collection", String(1024), nullable=False, default=""),
    Column("href", String(512), nullable=False, default=""),
    Column("owner", String(128), nullable=False, default=""),
    Column("actor", String(128), nullable=False, default=""),
    Column("door", String(16), nullable=False, default=""),
    Column("sync_token", String(160), nullable=False, default=""),
    Column("payload", Text, nullable=False, default="{}"),
    Column("created_at", Float, nullable=False, index=True),
)

#: One row per (event, consumer, target), fanned out at write time, so no reader needs
#: a "last seen id" cursor (ids commit out of order on PostgreSQL). A dispatcher claims a
#: due row by setting ``claimed_until`` (a lease: a claimant that died frees the row when
#: it expires); ``state`` is "pending", "delivered", "failed" (gave up) or "dropped".
outbox_deliveries = Table(
    "outbox_deliveries", metadata,
    Column("id", Integer, primary_key=True),
    Column("event_id", Integer, ForeignKey("outbox_events.id", ondelete="CASCADE"),
           nullable=False, index=True),
    Column("consumer", String(32), nullable=False),
    Column("target", String(128), nullable=False),
    Column("state", String(16), nullable=False, default="pending"),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_at", Float, nullable=False),
    Column("claimed_until", Float, nullable=False, default=0.0),
    Column("claimed_by", String(128), nullable=False, default=""),
    Column("finished_at", Float, nullable=True),
    Column("last_error", Text, nullable=False, default=""),
)
Index("ix_outbox_deliveries_due", outbox_deliveries.c.consumer, outbox_deliveries.c.state,
      outbox_deliveries.c.next_at)

#: Webhook endpoints (``cms-dav webhook add``, :mod:`cms_dav.webhooks`). ``owner`` is the
#: user whose rights bound the events sent ("" = the local admin: every collection);
#: ``events`` a JSON list of kinds; ``collection`` "" or one stored path (no slashes
#: around) whose events alone are sent. ``secret`` signs the deliveries (HMAC needs it
#: in clear). ``failed_events``: events given up in a row; past ``[webhooks]
#: disable_after`` the endpoint is disabled (``disabled_at`` set, ``disabled_reason``).
webhook_endpoints = Table(
    "webhook_endpoints", metadata,
    Column("id", Integer, primary_key=True),
    Column("url", String(2048), nullable=False),
    Column("secret", String(128), nullable=False),
    Column("events", Text, nullable=False),
    Column("collection", String(1024), nullable=False, default=""),
    Column("owner", String(128), nullable=False, default=""),
    Column("created_at", Float, nullable=False),
    Column("failed_events", Integer, nullable=False, default=0),
    Column("disabled_at", Float, nullable=True),
    Column("disabled_reason", String(256), nullable=False, default=""),
    # an id is never reused: the log and late deliveries of a removed endpoint must not
    # become a new endpoint's
    sqlite_autoincrement=True,
)

#: One row per delivery attempt, for ``cms-dav webhook log``: HTTP status (0 = no
#: answer), error, duration; ``result`` "delivered", "retry", "failed" or "dropped".
webhook_attempts = Table(
    "webhook_attempts", metadata,
    Column("id", Integer, primary_key=True),
    Column("endpoint_id", Integer, nullable=False),
    Column("event_id", Integer, nullable=False),
    Column("event_kind", String(64), nullable=False),
    Column("attempt", Integer, nullable=False),
    Column("at", Float, nullable=False),
    Column("status", Integer, nullable=False, default=0),
    Column("error", String(512), nullable=False, default=""),
    Column("duration_ms", Float, nullable=False, default=0.0),
    Column("result", String(16), nullable=False),
)
Index("ix_webhook_attempts_endpoint", webhook_attempts.c.endpoint_id, webhook_attempts.c.id)

#: WebDAV-Push subscriptions (``POST`` of a ``push-register`` body, :mod:`cms_dav.push`).
#: ``id`` is the random last segment of the subscription URL (``Location``); ``user``
#: registered it on ``collection`` (the stored path, no slashes around, also when
#: registered through a share's mount); ``push_resource`` is the push service URL and
#: ``public_key``/``auth_secret`` the client's RFC 8291 keys (base64url). A row past
#: ``expires_at`` is ignored and removed by the sender's tidy-up; ``last_sent_at``
#: spaces the messages of one subscription (``[push] min_interval``).
push_subscriptions = Table(
    "push_subscriptions", metadata,
    Column("id", String(64), primary_key=True),
    Column("user", String(128), nullable=False),
    Column("collection", String(1024), nullable=False),
    Column("push_resource", String(2048), nullable=False),
    Column("public_key", String(256), nullable=False),
    Column("auth_secret", String(64), nullable=False),
    Column("created_at", Float, nullable=False),
    Column("expires_at", Float, nullable=False),
    Column("last_sent_at", Float, nullable=False, default=0.0),
)
Index("ix_push_subscriptions_collection", push_subscriptions.c.collection)
Index("ix_push_subscriptions_user", push_subscriptions.c.user)

#: Calendar occurrence index (issue 19 item 3, cms_dav.calendars.occurrences): per
#: calendar item, the version indexed (``etag``; rows of another version are not
#: trusted), whether its rows are exactly Radicale's own occurrence ranges (``exact``:
#: false for floating or all-day times, widened by 14 h, and for objects Radicale's
#: visitor cannot read) and ``until``: occurrences starting at or after it were not
#: indexed (the horizon of an endless rule), so a query reaching past it expands.
calendar_spans = Table(
    "calendar_spans", metadata,
    Column("item_id", Integer, ForeignKey("items.id", ondelete="CASCADE"), primary_key=True),
    Column("collection_id", Integer, ForeignKey("collections.id", ondelete="CASCADE"),
           nullable=False, index=True),
    Column("etag", String(80), nullable=False),
    Column("exact", Boolean, nullable=False, default=False),
    Column("until", BigInteger, nullable=False),
)

#: One row per occurrence range (POSIX seconds, end exclusive) of an indexed item.
calendar_occurrences = Table(
    "calendar_occurrences", metadata,
    Column("id", Integer, primary_key=True),
    Column("item_id", Integer, ForeignKey("items.id", ondelete="CASCADE"), nullable=False),
    Column("start_utc", BigInteger, nullable=False),
    Column("end_utc", BigInteger, nullable=False),
)
Index("ix_calendar_occurrences_item", calendar_occurrences.c.item_id,
      calendar_occurrences.c.start_utc, calendar_occurrences.c.end_utc)
