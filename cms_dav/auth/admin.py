"""User administration behind ``cms-dav user``: change the users (file or table), then
record the change in the audit trail, so "who created this login, and when?" always has
an answer."""

from __future__ import annotations

import logging
import math
import time
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Callable

from sqlalchemy import Connection

from cms_dav.auth.directory import UserDirectory
from cms_dav.auth.throttle import LoginThrottle
from cms_dav.auth.validation import check_password, check_user_name

if TYPE_CHECKING:
    from cms_dav.acl.policy import Policy
    from cms_dav.store.store import Store

logger = logging.getLogger(__name__)

#: the App's store, asked for only when the audit row is written: the users file is
#: changed even when the database cannot be opened (then AuditNotRecorded says so)
StoreSource = Callable[[], "Store"]


class AuditNotRecorded(RuntimeError):
    """The users file was changed but the audit trail could not be written."""


def add_user(users: UserDirectory, store: StoreSource, actor: str, name: str,
             password: str) -> None:
    check_user_name(name)
    check_password(password)
    users.add(name, password)
    _audit(store, actor, "user.add", name)


def set_password(users: UserDirectory, store: StoreSource, actor: str, name: str,
                 password: str) -> None:
    """Set the password; the user's web sessions end with the audit row (a session
    begun with the old password does not outlive it)."""
    from cms_dav.store import web_sessions
    users.set_password(name, password)
    _audit(store, actor, "user.passwd", name,
           lambda conn: web_sessions.forget_user(conn, name))


def remove_user(users: UserDirectory, store: StoreSource, actor: str, name: str) -> None:
    """Remove the login and, with the audit row, its app passwords and web sessions: a
    user made again under the same name must not inherit them."""
    from cms_dav.store import app_passwords, web_sessions

    def forget(conn: Connection) -> None:
        app_passwords.forget_user(conn, name)
        web_sessions.forget_user(conn, name)
    users.remove(name)
    _audit(store, actor, "user.remove", name, forget)


def _audit(store: StoreSource, actor: str, action: str, name: str,
           also: Callable[[Connection], object] | None = None) -> None:
    """Record ``action`` (and do ``also`` in the same transaction)."""
    # The file change is already done (it cannot share a transaction with the database),
    # so a failing audit write is reported, not rolled back.
    try:
        from cms_dav.store.audit import record
        opened = store()
        with opened.writing() as conn:
            if also is not None:
                also(conn)
            record(conn, opened.origin(actor), action, name)
    except Exception as exc:  # noqa: BLE001 - any database problem, reported as one line
        raise AuditNotRecorded(
            f"{action} {name!r} done, but the audit trail could not be written: "
            f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}") from exc


def login_state(store: "Store", policy: "Policy", throttle: LoginThrottle,
                name: str) -> dict[str, Any]:
    """What ``cms-dav user show`` prints: groups, collections, lockouts, recent failures."""
    from cms_dav.acl.admin import groups
    from cms_dav.store import collections

    now = time.time()
    with store.reading() as conn:
        count = len(collections.descendants(conn, name))
    counters = throttle.status(name)
    account = next((c for c in counters if c.kind == "account"), None)
    return {
        "name": name,
        "groups": [group for group, members in groups(policy).items() if name in members],
        "collections": count,
        "account_locked_seconds": _remaining(account, now),
        "account_failures": account.failures if account else 0,
        "networks": [{"address": c.address or "unknown", "failures": c.failures,
                      "locked_seconds": _remaining(c, now),
                      "last_failure": datetime.fromtimestamp(c.last_at, timezone.utc)
                      .isoformat(timespec="seconds")}
                     for c in counters if c.kind == "pair"],
    }


def _remaining(counter: Any, now: float) -> int:
    if counter is None or counter.locked_until <= now:
        return 0
    return max(1, math.ceil(counter.locked_until - now))


def unlock(store: "Store", actor: str, name: str, address: str | None) -> int:
    """Lift ``name``'s lockouts (only the one from ``address``'s network when given) and
    record it in the audit trail in the same transaction. Returns the counters cleared."""
    from cms_dav.auth.throttle import network_key, user_key
    from cms_dav.store import login_failures
    from cms_dav.store.audit import record

    network = network_key(address) if address else None
    with store.writing() as conn:
        cleared = login_failures.forget_user(conn, user_key(name), network)
        record(conn, store.origin(actor), "user.unlock", name, {
            "address": network or "", "cleared": len(cleared),
            "was_locked": [c.kind + (":" + c.address if c.address else "")
                           for c in cleared if c.locked_until > time.time()]})
    return len(cleared)
