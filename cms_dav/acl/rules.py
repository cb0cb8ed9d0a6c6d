"""The rights file (TOML) parsed into plain, validated rules.

Every problem is reported with the line it sits on, because the admin edits the file
by hand and a message without a line number sends them hunting.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

ACCESS_LEVELS = ("read", "write", "admin")
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]*$")
_SEGMENT_RE = re.compile(r"^[^/\\%\x00-\x1f]+$")


class RightsFileError(ValueError):
    """The rights file cannot be used; the message names the line and the problem."""


@dataclass(frozen=True)
class Grant:
    path: str        # canonical: "/alice/team-cal/"
    to: str          # "user:bob" | "group:sales" | "authenticated"
    access: str      # "read" | "write" | "admin"
    line: int        # where it was written, for `share list` and error messages

    def applies_to(self, user: str, groups: frozenset[str]) -> bool:
        if self.to == "authenticated":
            return bool(user)
        kind, _, name = self.to.partition(":")
        return (kind == "user" and name == user) or (kind == "group" and name in groups)


@dataclass(frozen=True)
class RightsRules:
    admins: frozenset[str] = frozenset()
    groups: dict[str, frozenset[str]] = field(default_factory=dict)
    grants: tuple[Grant, ...] = ()

    def groups_of(self, user: str) -> frozenset[str]:
        return frozenset(g for g, members in self.groups.items() if user in members)


EMPTY_RULES = RightsRules()


def canonical_path(path: str) -> str:
    """Return ``path`` if it is a canonical collection path, else raise ValueError.

    Canonical means "/a/b/": no empty, "." or ".." segment, no percent-encoding or
    backslash, so a grant can never be widened by a spelling trick.
    """
    if not path.startswith("/") or not path.endswith("/") or path == "/":
        raise ValueError(f"path {path!r} must start and end with '/' and name a collection")
    for segment in path[1:-1].split("/"):
        if segment in ("", ".", "..") or not _SEGMENT_RE.match(segment):
            raise ValueError(f"path {path!r} has an invalid segment {segment!r}")
    return path


def check_name(kind: str, name: Any) -> str:
    if not isinstance(name, str) or not NAME_RE.match(name):
        raise ValueError(f"{kind} name {name!r} is not valid (letters, digits, . _ @ -)")
    return name


def check_principal(to: Any, groups: dict[str, frozenset[str]] | None = None) -> str:
    """``user:NAME`` | ``group:NAME`` | ``authenticated``; an unknown group is an error."""
    if to == "authenticated":
        return "authenticated"
    if not isinstance(to, str) or ":" not in to:
        raise ValueError(f"'to' = {to!r}: expected user:NAME, group:NAME or authenticated")
    kind, _, name = to.partition(":")
    if kind not in ("user", "group"):
        raise ValueError(f"'to' = {to!r}: expected user:NAME, group:NAME or authenticated")
    check_name(kind, name)
    if kind == "group" and groups is not None and name not in groups:
        raise ValueError(f"'to' = {to!r}: group {name!r} is not defined in [groups]")
    return to


class _Lines:
    """Where each table and key of the file is written (tomllib keeps no positions)."""

    _HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
    _KEY = re.compile(r"^\s*([A-Za-z0-9_\"'.-]+)\s*=")

    def __init__(self, text: str) -> None:
        self.tables: dict[tuple[str, ...], int] = {(): 1}
        self.keys: dict[tuple[tuple[str, ...], str], int] = {}
        current: tuple[str, ...] = ()
        grant_count = 0
        for number, line in enumerate(text.splitlines(), start=1):
            header = self._HEADER.match(line)
            if header:
                name = tuple(part.strip().strip("\"'") for part in header.group(2).split("."))
                if header.group(1) == "[[" and name == ("grant",):
                    name = ("grant", str(grant_count))
                    grant_count += 1
                current = name
                self.tables.setdefault(current, number)
                continue
            key = self._KEY.match(line)
            if key:
                self.keys.setdefault((current, key.group(1).strip("\"'")), number)

    def of(self, table: tuple[str, ...], key: str | None = None) -> int:
        if key is not None and (table, key) in self.keys:
            return self.keys[(table, key)]
        return self.tables.get(table, 1)


def parse_rules(text: str, source: str = "rights file") -> RightsRules:
    """Parse and validate the rights file text; raise RightsFileError naming the line
    (``tomllib`` is imported here: without a rights file a command never needs it)."""
    import tomllib

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        if "at end of document" in message:  # tomllib gives no line for this case
            message = message.replace("at end of document",
                                      f"at end of document, line {len(text.splitlines())}")
        raise RightsFileError(f"{source}: {message}") from None
    lines = _Lines(text)

    def fail(table: tuple[str, ...], key: str | None, problem: str) -> RightsFileError:
        return RightsFileError(f"{source}, line {lines.of(table, key)}: {problem}")

    for key in data:
        if key not in ("admins", "groups", "grant"):
            raise fail((), key, f"unknown key {key!r} (expected admins, groups, grant)")
    admins = data.get("admins", [])
    if not isinstance(admins, list):
        raise fail((), "admins", "admins must be a list of user names")
    for admin in admins:
        try:
            check_name("user", admin)
        except ValueError as exc:
            raise fail((), "admins", f"admins: {exc}") from None

    groups: dict[str, frozenset[str]] = {}
    raw_groups = data.get("groups", {})
    if not isinstance(raw_groups, dict):
        raise fail((), "groups", "groups must be a table of [groups.<name>] sections")
    for name, body in raw_groups.items():
        table = ("groups", name)
        try:
            check_name("group", name)
        except ValueError as exc:
            raise fail(table, None, str(exc)) from None
        if not isinstance(body, dict):
            raise fail(table, None, f"[groups.{name}] must be a table with 'members'")
        for key in body:
            if key not in ("members", "collections"):
                raise fail(table, key, f"[groups.{name}]: unknown key {key!r}")
        members = body.get("members", [])
        if not isinstance(members, list):
            raise fail(table, "members", f"[groups.{name}]: members must be a list")
        for member in members:
            try:
                check_name("user", member)
            except ValueError as exc:
                raise fail(table, "members", f"[groups.{name}]: {exc}") from None
        groups[name] = frozenset(members)

    raw_grants = data.get("grant", [])
    if not isinstance(raw_grants, list):
        raise fail((), "grant", "grants must be written as [[grant]] sections")
    grants = []
    for index, body in enumerate(raw_grants):
        table = ("grant", str(index))
        if not isinstance(body, dict):
            raise fail(table, None, "[[grant]] must be a table")
        for key in body:
            if key not in ("path", "to", "access"):
                raise fail(table, key, f"[[grant]]: unknown key {key!r}")
        for key in ("path", "to", "access"):
            if key not in body:
                raise fail(table, None, f"[[grant]]: missing {key!r}")
        try:
            path = canonical_path(body["path"]) if isinstance(body["path"], str) else None
        except ValueError as exc:
            raise fail(table, "path", f"[[grant]]: {exc}") from None
        if path is None:
            raise fail(table, "path", "[[grant]]: path must be a string")
        try:
            to = check_principal(body["to"], groups)
        except ValueError as exc:
            raise fail(table, "to", f"[[grant]]: {exc}") from None
        if body["access"] not in ACCESS_LEVELS:
            raise fail(table, "access", f"[[grant]]: access = {body['access']!r}: "
                       f"expected one of {', '.join(ACCESS_LEVELS)}")
        grants.append(Grant(path, to, body["access"], lines.of(table, None)))
    return RightsRules(frozenset(admins), groups, tuple(grants))
