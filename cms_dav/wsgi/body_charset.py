"""The ``charset=`` of a request's Content-Type, and a body decoded as Radicale decodes it.

One place for the three layers that read it (``rejections`` via
:func:`charset_problem`, ``limits`` for PUT bodies, ``listing_request`` for the fast
path's XML). ``radicale.httputils.decode_request`` takes the text after ``charset=`` up
to the next ``;`` (no unquoting), then tries it, ``[encoding] request`` (UTF-8 here),
UTF-8 and ISO-8859-1 in that order; an unknown charset raises LookupError there (a 500).

Deliberate differences, each tested:

- :func:`charset_problem` names an unknown charset before Radicale sees it. A quoted
  value (``charset="utf-8"``, a quoted-string RFC 9110 §5.6.4 allows) is shown without
  its quotes; Radicale passes the quotes on, and Python's codec lookup ignores them
  (``encodings.normalize_encoding``), so both read the same charset.
- :func:`decode_as_radicale` never fails (ISO-8859-1 takes any byte): PUT bodies.
- :func:`decode_strictly` has no ISO-8859-1 fallback: the fast listing path answers
  only bodies it reads as declared or as UTF-8, and leaves any other to Radicale.
"""

from __future__ import annotations

import codecs

#: what Radicale tries after the declared charset (``[encoding] request`` is utf-8)
RADICALE_FALLBACKS = ("utf-8", "iso8859-1")


def declared_charset(content_type: str) -> str | None:
    """The ``charset=`` parameter's value, unquoted; None when there is none."""
    if "charset=" not in content_type:
        return None
    return content_type.split("charset=", 1)[1].split(";", 1)[0].strip().strip('"')


def charset_problem(content_type: str) -> str | None:
    """Why the declared charset cannot be used (Radicale would raise LookupError)."""
    charset = declared_charset(content_type)
    if charset is None:
        return None
    try:
        codecs.lookup(charset)
    except (LookupError, ValueError):
        return f"unknown charset {charset[:40]!r} in Content-Type"
    return None


def _decoded(body: bytes, charsets: tuple[str, ...]) -> str | None:
    for charset in dict.fromkeys(charsets):
        try:
            return body.decode(charset)
        except (LookupError, UnicodeDecodeError, ValueError):
            continue
    return None


def decode_as_radicale(body: bytes, content_type: str) -> str:
    """The body as Radicale decodes it: the declared charset, UTF-8, else ISO-8859-1."""
    declared = declared_charset(content_type)
    text = _decoded(body, ((declared,) if declared else ()) + RADICALE_FALLBACKS)
    return text if text is not None else body.decode("iso8859-1")


def decode_strictly(body: bytes, content_type: str) -> str | None:
    """The body in the declared charset, else UTF-8; None when neither reads it."""
    declared = declared_charset(content_type)
    return _decoded(body, ((declared,) if declared else ()) + ("utf-8",))
