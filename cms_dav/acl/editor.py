"""Edits of the rights file that keep the admin's comments and layout (tomlkit).

Every edit is validated by parsing the result before it is written, and written
atomically, so the live server never sees a half-written or invalid file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable, cast

import tomlkit
from tomlkit.items import AoT, Table

from cms_dav.config.toml_edit import edit_toml
from cms_dav.acl.rules import RightsFileError, check_name, parse_rules


class RightsEditError(ValueError):
    """An edit that cannot be made; the message says why."""


def edit(path: Path, change: Callable[[tomlkit.TOMLDocument], None]) -> None:
    edit_toml(path, change, parse_rules, lambda exc: RightsEditError(
        f"the edit would make the rights file invalid: {exc}"), (RightsFileError,), ".rights-")


def _groups(document: tomlkit.TOMLDocument) -> Table:
    if "groups" not in document:
        table = tomlkit.table(is_super_table=True)
        document["groups"] = table
    return cast(Table, document["groups"])  # tomlkit types a key's value as Any


def add_group(path: Path, group: str) -> None:
    check_name("group", group)

    def change(document: tomlkit.TOMLDocument) -> None:
        groups = _groups(document)
        if group in groups:
            raise RightsEditError(f"group {group!r} already exists")
        body = tomlkit.table()
        body["members"] = tomlkit.array()
        groups[group] = body
    edit(path, change)


def remove_group(path: Path, group: str) -> None:
    def change(document: tomlkit.TOMLDocument) -> None:
        groups = document.get("groups", {})
        if group not in groups:
            raise RightsEditError(f"group {group!r} does not exist")
        used = [g for g in document.get("grant", []) if g.get("to") == f"group:{group}"]
        if used:
            raise RightsEditError(f"group {group!r} is used by {len(used)} grant(s); "
                                  "remove them first")
        del groups[group]
    edit(path, change)


def set_membership(path: Path, group: str, user: str, member: bool) -> None:
    check_name("user", user)

    def change(document: tomlkit.TOMLDocument) -> None:
        groups = document.get("groups", {})
        if group not in groups:
            raise RightsEditError(f"group {group!r} does not exist")
        body = groups[group]
        if "members" not in body:
            body["members"] = tomlkit.array()
        members = body["members"]
        if member and user in members:
            raise RightsEditError(f"{user!r} is already a member of {group!r}")
        if not member and user not in members:
            raise RightsEditError(f"{user!r} is not a member of {group!r}")
        if member:
            members.append(user)
        else:
            members.remove(user)
    edit(path, change)


def add_grant(path: Path, collection: str, to: str, access: str) -> None:
    def change(document: tomlkit.TOMLDocument) -> None:
        grants = document.get("grant")
        if grants is None:
            grants = AoT([])
            document["grant"] = grants
        for grant in grants:
            if grant.get("path") == collection and grant.get("to") == to:
                grant["access"] = access
                return
        body = tomlkit.table()
        body.update({"path": collection, "to": to, "access": access})
        grants.append(body)
    edit(path, change)


def remove_grant(path: Path, collection: str, to: str) -> bool:
    removed: list[bool] = []

    def change(document: tomlkit.TOMLDocument) -> None:
        grants = document.get("grant")
        if grants is None:
            return
        for index, grant in enumerate(list(grants)):
            if grant.get("path") == collection and grant.get("to") == to:
                del grants[index]
                removed.append(True)
                return
    edit(path, change)
    return bool(removed)


def remove_admin(path: Path, user: str) -> None:
    """Take ``user`` off the ``admins`` list (``cms-dav user remove``)."""
    def change(document: tomlkit.TOMLDocument) -> None:
        admins = document.get("admins")
        if admins is not None and user in admins:
            admins.remove(user)
    edit(path, change)
