"""Per-user preferences (``user_preferences``): small named strings, e.g. ``birthdays``."""

from __future__ import annotations

from sqlalchemy import Connection, delete, select

from cms_dav.store.schema import user_preferences


def get(conn: Connection, user: str, name: str) -> str | None:
    return conn.execute(select(user_preferences.c.value).where(
        user_preferences.c.user_name == user, user_preferences.c.name == name)).scalar()


def put(conn: Connection, user: str, name: str, value: str) -> None:
    conn.execute(delete(user_preferences).where(
        user_preferences.c.user_name == user, user_preferences.c.name == name))
    conn.execute(user_preferences.insert().values(user_name=user, name=name, value=value))
