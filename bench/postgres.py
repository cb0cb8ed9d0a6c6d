"""PostgreSQL variant: every run gets a fresh schema, dropped afterwards, so the
benchmark never touches tables that tests or a real deployment use."""

from __future__ import annotations

import secrets
from urllib.parse import quote, urlsplit, urlunsplit

import psycopg


def _libpq_url(sqlalchemy_url: str) -> str:
    parts = urlsplit(sqlalchemy_url)
    return urlunsplit(("postgresql", parts.netloc, parts.path, "", ""))


def _schema_of(url: str) -> str:
    marker = "search_path%3D"
    return url.split(marker, 1)[1].split("&", 1)[0] if marker in url else "public"


def create_schema(base_url: str) -> str:
    """A fresh schema; returns the SQLAlchemy URL whose connections use it."""
    schema = f"cms_dav_bench_{secrets.token_hex(4)}"
    with psycopg.connect(_libpq_url(base_url), autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    scheme = "postgresql+psycopg"
    parts = urlsplit(base_url)
    query = (parts.query + "&" if parts.query else "") + "options=" + quote(
        f"-csearch_path={schema}", safe="")
    return urlunsplit((scheme, parts.netloc, parts.path, query, ""))


def schema_bytes(url: str) -> int:
    """Tables + indexes + TOAST of the run's schema (the data size on disk)."""
    schema = _schema_of(url)
    with psycopg.connect(_libpq_url(url), autocommit=True) as conn:
        row = conn.execute(
            "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %s "
            "AND c.relkind IN ('r', 'm')", (schema,)).fetchone()
    return int(row[0]) if row else 0


def drop_schema(url: str) -> None:
    schema = _schema_of(url)
    if schema == "public":
        return
    with psycopg.connect(_libpq_url(url), autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
