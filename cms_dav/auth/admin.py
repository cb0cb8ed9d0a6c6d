"""User administration behind ``cms-dav user``: change the users file, then record the
change in the audit trail, so "who created this login, and when?" always has an answer."""

from __future__ import annotations

import logging

from cms_dav.auth.htpasswd import HtpasswdFile
from cms_dav.auth.validation import check_password, check_user_name
from cms_dav.config import Settings

logger = logging.getLogger(__name__)


class AuditNotRecorded(RuntimeError):
    """The users file was changed but the audit trail could not be written."""


def users_file(settings: Settings) -> HtpasswdFile:
    return HtpasswdFile(settings.htpasswd_file)


def add_user(settings: Settings, actor: str, name: str, password: str) -> None:
    check_user_name(name)
    check_password(password)
    users_file(settings).add(name, password)
    _audit(settings, actor, "user.add", name)


def set_password(settings: Settings, actor: str, name: str, password: str) -> None:
    users_file(settings).set_password(name, password)
    _audit(settings, actor, "user.passwd", name)


def remove_user(settings: Settings, actor: str, name: str) -> None:
    users_file(settings).remove(name)
    _audit(settings, actor, "user.remove", name)


def list_users(settings: Settings) -> list[str]:
    return users_file(settings).names()


def _audit(settings: Settings, actor: str, action: str, name: str) -> None:
    # The file change is already done (it cannot share a transaction with the database),
    # so a failing audit write is reported, not rolled back.
    try:
        from cms_dav.store.audit import record
        from cms_dav.store.store import Store
        with Store.open(settings.database_url, settings.sync_token_days).writing() as conn:
            record(conn, actor, action, name)
    except Exception as exc:  # noqa: BLE001 - any database problem, reported as one line
        raise AuditNotRecorded(
            f"{action} {name!r} done, but the audit trail could not be written: "
            f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}") from exc
