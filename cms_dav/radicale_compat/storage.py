"""The storage plugin's contract with Radicale beyond ``BaseStorage``'s public methods.

- ``_supports_*`` flags: Radicale rejects non-ASCII user names and paths, trailing
  blanks and some characters unless the storage declares it can hold them
  (``radicale/app/__init__.py``, ``radicale/app/base.py``). A database can.
- ``acquire_lock(mode, user, *args, **kwargs)``: Radicale's write handlers pass the
  request path, the MOVE target, the method and the acting user as keyword arguments
  that ``BaseStorage`` does not declare (they feed ``[storage] hook``). cms_dav locks
  the collections they name and runs the hook with them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, TypeVar

from cms_dav.radicale_compat.shapes import (Shape, attribute, contains, keywords_passed,
                                            mentions, parameters)

USER = "cms_dav's storage plugin (plugins/cms_dav_plugins/storage.py)"

#: what cms_dav's SQL storage can hold that a file system may not
STORAGE_CAPABILITY_FLAGS: Mapping[str, bool] = {
    "_supports_unicode": True,
    "_supports_trailing_whitespace": True,
    "_supports_problematic_chars": True,
}

#: Radicale's write handlers and the keyword arguments each passes to acquire_lock("w")
LOCK_CALLERS: Mapping[str, tuple[str, ...]] = {
    "radicale.app.put": ("path", "request", "actor"),
    "radicale.app.delete": ("path", "request", "actor"),
    "radicale.app.proppatch": ("path", "request", "actor"),
    "radicale.app.mkcol": ("path", "request", "actor"),
    "radicale.app.mkcalendar": ("path", "request", "actor"),
    "radicale.app.move": ("path", "request", "to_path", "actor"),
}

T = TypeVar("T")


def with_storage_capabilities(cls: type[T]) -> type[T]:
    """Class decorator: declare :data:`STORAGE_CAPABILITY_FLAGS` on a storage class."""
    for name, value in STORAGE_CAPABILITY_FLAGS.items():
        setattr(cls, name, value)
    return cls


@dataclass(frozen=True)
class LockRequest:
    """What Radicale told ``acquire_lock`` about the request taking the lock."""

    user: str
    #: the request path ("" when Radicale names none, e.g. creating a new user's home)
    path: str
    #: the MOVE destination, else ""
    to_path: str
    #: the HTTP method, or "" (Radicale's hook shows "NONE")
    request: str
    #: who acts: the logged-in user (a share's owner may be the ``user``)
    actor: str

    @property
    def paths(self) -> list[str]:
        return [p for p in (self.path, self.to_path) if p]


def lock_request(user: str | None, kwargs: Mapping[str, Any]) -> LockRequest:
    """Read ``acquire_lock``'s undocumented keyword arguments."""
    return LockRequest(user=user or "", path=str(kwargs.get("path") or ""),
                       to_path=str(kwargs.get("to_path") or ""),
                       request=str(kwargs.get("request") or ""),
                       actor=str(kwargs.get("actor") or user or ""))


def shapes() -> list[Shape]:
    found = [attribute(f"radicale.storage.BaseStorage.{name}", USER)
             for name in STORAGE_CAPABILITY_FLAGS]
    found.append(mentions("radicale.app.Application.__init__", "self._storage._supports_unicode",
                          "reads the storage's _supports_unicode flag", USER))
    for name in ("_supports_trailing_whitespace", "_supports_problematic_chars"):
        found.append(mentions("radicale.app.base", f"self.{name}",
                              f"reads the storage's {name} flag", USER))
    found.append(parameters("radicale.storage.BaseStorage.acquire_lock",
                            ["self", "mode", "user", "args", "kwargs"], USER))
    found += [keywords_passed(module, "acquire_lock", "w", keywords, USER)
              for module, keywords in LOCK_CALLERS.items()]
    found.append(contains("radicale.config.DEFAULT_CONFIG_SCHEMA", ("storage", "hook"),
                          "cms_dav's [storage] hook (plugins/cms_dav_plugins/storage_hook.py)"))
    return found
