"""Each setting is described once, on its dataclass field: section, key, kind, default,
help. The parser, the "did you mean" hints, the README table and the defaults are all
read from these descriptions (:func:`options_of`)."""

from __future__ import annotations

import dataclasses
from dataclasses import MISSING, dataclass, field
from typing import Any

from cms_dav.config.kinds import Kind

_METADATA_KEY = "cms_dav.option"


@dataclass(frozen=True)
class Option:
    section: str
    key: str
    kind: Kind
    help: str
    #: the default as the README shows it, when it is derived (e.g. from the data dir)
    shown_default: str = ""
    #: the dataclass attribute that holds the value
    attribute: str = ""
    default: object = None

    @property
    def name(self) -> str:
        return f"[{self.section}] {self.key}"

    def default_text(self) -> str:
        if self.shown_default:
            return self.shown_default
        return self.kind.render(self.default) if self.default != "" else "empty"


def option(section: str, key: str, kind: Kind, help: str, default: Any = MISSING,
           shown_default: str = "", secret: bool = False) -> Any:
    """A dataclass field that is also the setting ``[section] key``; a ``secret`` one
    (a password) is left out of the settings' ``repr``, so no log line shows it."""
    described = Option(section, key, kind, help, shown_default)
    if default is MISSING:
        return field(metadata={_METADATA_KEY: described}, repr=not secret)
    return field(default=default, metadata={_METADATA_KEY: described}, repr=not secret)


def options_of(cls: type) -> tuple[Option, ...]:
    """The settings described on the fields of dataclass ``cls``, in field order."""
    found = []
    for each in dataclasses.fields(cls):
        described = each.metadata.get(_METADATA_KEY)
        if described is not None:
            default = None if each.default is MISSING else each.default
            found.append(dataclasses.replace(described, attribute=each.name,
                                             default=default))
    return tuple(found)
