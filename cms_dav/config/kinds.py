"""The kinds of value a setting can hold: how text from the INI file becomes a value,
and which values are allowed. Each method raises ``ValueError`` with a short reason
("not a whole number", "must be at least 1") that the caller places after the line."""

from __future__ import annotations

import configparser
import math
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol


class Kind(Protocol):
    def parse(self, raw: str) -> object:
        """The value of ``raw`` (stripped, never empty) from the config file."""

    def check(self, value: object) -> None:
        """Refuse a value that was set in code with the wrong type or out of range."""

    def render(self, value: object) -> str:
        """``value`` as it would be written in the config file."""


@dataclass(frozen=True)
class WholeNumber:
    minimum: int = 0
    maximum: int | None = None

    def parse(self, raw: str) -> int:
        try:
            value = int(raw)
        except ValueError:
            raise ValueError("not a whole number") from None
        self.check(value)
        return value

    def check(self, value: object) -> None:
        if not isinstance(value, int) or isinstance(value, bool):
            raise ValueError("not a whole number")
        if self.maximum is not None and not self.minimum <= value <= self.maximum:
            raise ValueError(f"must be from {self.minimum} to {self.maximum}")
        if value < self.minimum:
            raise ValueError(f"must be at least {self.minimum}")

    def render(self, value: object) -> str:
        return str(value)


@dataclass(frozen=True)
class Number:
    """A finite decimal number; ``positive`` refuses 0 as well as negatives."""

    positive: bool = False

    def parse(self, raw: str) -> float:
        try:
            value = float(raw)
        except ValueError:
            raise ValueError("not a number") from None
        self.check(value)
        return value

    def check(self, value: object) -> None:
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            raise ValueError("not a number")
        if not math.isfinite(value) or value < 0 or (self.positive and value == 0):
            raise ValueError("must be a finite number greater than 0" if self.positive
                             else "must be a finite number of at least 0")

    def render(self, value: object) -> str:
        assert isinstance(value, (int, float))
        return f"{value:g}"


@dataclass(frozen=True)
class Boolean:
    """The spellings configparser accepts: true/false, yes/no, on/off, 1/0."""

    def parse(self, raw: str) -> bool:
        try:
            return configparser.ConfigParser.BOOLEAN_STATES[raw.lower()]
        except KeyError:
            raise ValueError("not true or false (also yes/no, on/off, 1/0)") from None

    def check(self, value: object) -> None:
        if not isinstance(value, bool):
            raise ValueError("not true or false")

    def render(self, value: object) -> str:
        return "true" if value else "false"


def _same(text: str) -> str:
    return text


@dataclass(frozen=True)
class Text:
    """Free text, or one of ``choices``, or text matching ``pattern`` (after ``case``)."""

    choices: tuple[str, ...] = ()
    pattern: str = ""
    #: the reason given when ``pattern`` does not match
    pattern_help: str = ""
    case: Callable[[str], str] = _same

    def parse(self, raw: str) -> str:
        value = self.case(raw)
        self.check(value)
        return value

    def check(self, value: object) -> None:
        if not isinstance(value, str):
            raise ValueError("not text")
        if self.choices and value not in self.choices:
            raise ValueError(f"must be one of {', '.join(self.choices)}")
        if self.pattern and value and not re.fullmatch(self.pattern, value):
            raise ValueError(self.pattern_help)

    def render(self, value: object) -> str:
        return str(value)


@dataclass(frozen=True)
class FilePath:
    """A path; ``~`` is expanded and a relative path is taken from the working directory."""

    def parse(self, raw: str) -> Path:
        return Path(raw).expanduser().absolute()

    def check(self, value: object) -> None:
        if not isinstance(value, (str, os.PathLike)):
            raise ValueError("not a path")

    def render(self, value: object) -> str:
        return str(value)


@dataclass(frozen=True)
class Networks:
    """Comma-separated IP addresses or CIDR networks (``10.0.0.0/8, ::1``); the value is
    a tuple of normalized network texts (an address is its /32 or /128). ``ipaddress``
    is imported when a value is read: most settings files have none, every command
    reads the settings."""

    def parse(self, raw: str) -> tuple[str, ...]:
        import ipaddress

        found = []
        for part in raw.replace(" ", ",").split(","):
            if not part:
                continue
            try:
                found.append(str(ipaddress.ip_network(part, strict=False)))
            except ValueError:
                raise ValueError(f"{part!r} is not an IP address or CIDR network "
                                 "such as 10.0.0.0/8") from None
        return tuple(found)

    def check(self, value: object) -> None:
        if not isinstance(value, tuple) or not all(isinstance(each, str) for each in value):
            raise ValueError("not a tuple of networks")
        import ipaddress

        for each in value:
            try:
                ipaddress.ip_network(each, strict=False)
            except ValueError:
                raise ValueError(f"{each!r} is not an IP address or CIDR network") from None

    def render(self, value: object) -> str:
        assert isinstance(value, tuple)
        return ", ".join(value)


#: a count where 0 has a meaning of its own ("never", "off")
COUNT = WholeNumber(0)
#: a count or size where 0 would be meaningless
POSITIVE = WholeNumber(1)
PORT = WholeNumber(1, 65535)
SECONDS = Number()
POSITIVE_SECONDS = Number(positive=True)
BOOLEAN = Boolean()
TEXT = Text()
PATH = FilePath()
NETWORKS = Networks()
#: RFC 4791 §9.9 time-range values are UTC date-times in basic format
UTC_DATE_TIME = Text(pattern=r"\d{8}T\d{6}Z", case=str.upper,
                     pattern_help="not a UTC date-time such as 21000101T000000Z")
#: ISO 3166-1 alpha-2, as libphonenumber wants it
REGION = Text(pattern=r"[A-Z]{2}", case=str.upper,
              pattern_help="not a two-letter region code (ISO 3166) such as PL")
