"""Errors of the contact domain layer.

All are ``ValueError`` subclasses so callers that only know "bad input" can catch
one type, while the store and CLI can tell a broken card from a bad interaction.
"""

from __future__ import annotations


class ContactError(ValueError):
    """Base class: the input cannot be accepted as it is."""


class CardFormatError(ContactError):
    """The text is not a vCard we can read (no BEGIN/END, bad content line, ...)."""


class InteractionError(ContactError):
    """An interaction is invalid, or an X-CMS-INTERACTION value cannot be decoded."""
