"""The auth plugin's contract with Radicale's ``BaseAuth``.

Documented override points (Radicale's DOCUMENTATION.md shows ``_login``; the
docstrings of ``_login_ext`` and ``_login_ext_with_groups`` say "override this
method"; ``BaseGroup._groups`` is the group plugin's only abstract method): plugins
override these directly, and :func:`shapes` checks their signatures.

Not an override point: ``_sleep_for_constant_exec_time``, which pads every failed
login to the slowest failure seen so far. cms_dav switches it off here.
"""

from __future__ import annotations

from typing import TypeVar

from cms_dav.radicale_compat.shapes import Shape, mentions, parameters

USER = "cms_dav's auth plugin (plugins/cms_dav_plugins/auth.py)"

#: Radicale's documented plugin overrides (public API despite the underscore)
DOCUMENTED_OVERRIDES = {
    "radicale.auth.BaseAuth": ("_login", "_login_ext", "_login_ext_with_groups"),
    "radicale.group.BaseGroup": ("_groups",),
}

T = TypeVar("T")


def _no_padding(self: object, time_ns_begin: int) -> None:
    """Disabled: Radicale pads every failure to the slowest one seen, which would turn
    one throttled 2 s failure into 2 s for all; unknown users already cost a bcrypt
    check, and cms_dav's throttle delays failures itself."""


def without_failed_login_padding(cls: type[T]) -> type[T]:
    """Class decorator for a ``BaseAuth`` subclass: no constant-time padding sleep."""
    cls._sleep_for_constant_exec_time = _no_padding  # type: ignore[attr-defined]  # a class attribute Radicale reads, set here on purpose
    return cls


def shapes() -> list[Shape]:
    return [
        parameters("radicale.auth.BaseAuth._sleep_for_constant_exec_time",
                   ["self", "time_ns_begin"], USER),
        mentions("radicale.auth.BaseAuth.login", "self._sleep_for_constant_exec_time(",
                 "pads failed logins through _sleep_for_constant_exec_time", USER),
        parameters("radicale.auth.BaseAuth._login_ext",
                   ["self", "login", "password", "context"], USER),
        mentions("radicale.auth.BaseAuth._login_ext_with_groups", "self._login_ext(",
                 "calls _login_ext", USER),
        parameters("radicale.group.BaseGroup._groups", ["self", "login"],
                   "cms_dav's group plugin (plugins/cms_dav_plugins/group.py)"),
    ]
