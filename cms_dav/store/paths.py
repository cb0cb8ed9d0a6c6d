"""Collection paths as stored: no leading or trailing slash, the root is ""."""

from __future__ import annotations

import posixpath


def strip(path: str) -> str:
    return path.strip("/")


def parent(path: str) -> str:
    return posixpath.dirname(strip(path))


def ancestors(path: str) -> list[str]:
    """``a/b/c`` -> ``["a", "a/b"]`` (outermost first, excluding the path itself)."""
    parts = strip(path).split("/")
    return ["/".join(parts[:i]) for i in range(1, len(parts))]


def join(collection_path: str, href: str) -> str:
    return f"{collection_path}/{href}" if collection_path else href
