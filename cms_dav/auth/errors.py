"""Errors of the auth layer: each message names the problem so the CLI can print it as is."""

from __future__ import annotations


class AuthError(ValueError):
    """Base class: a request about users that cannot be carried out."""


class InvalidUserName(AuthError):
    """The user name cannot be stored (it would break htpasswd lines or URL paths)."""


class InvalidPassword(AuthError):
    """The password cannot be hashed faithfully (bcrypt would truncate or mangle it)."""


class UserExists(AuthError):
    """``add`` of a name that is already in the users file."""


class UnknownUser(AuthError):
    """``passwd``/``remove`` of a name that is not in the users file."""
