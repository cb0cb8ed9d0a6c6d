"""The users file: Apache htpasswd lines ``name:$2b$12$...`` hashed with bcrypt.

The format is the one stock Radicale (``[auth] type = htpasswd``) and Apache tools read,
so an admin can fall back to them. Every change rewrites the whole file atomically
(temp file, fsync, ``os.replace``) under an exclusive ``flock`` on a side lock file, so a
server reading it never sees half a file and two CLI runs never lose each other's change.
The server re-reads the file when its inode, size or mtime changes.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import tempfile
import threading
from pathlib import Path
from typing import Iterator

from cms_dav.auth.errors import UnknownUser, UserExists
from cms_dav.auth.passwords import PasswordChecker, hash_password
from cms_dav.auth.validation import check_password, check_user_name

logger = logging.getLogger(__name__)

#: bcrypt cost factor; tests lower it (module attribute, read when a file object is made)
BCRYPT_ROUNDS = 12

Stamp = tuple[int, int, int]  # (inode, size, mtime_ns); (0, 0, 0) = no file


class HtpasswdFile:
    """One users file. Safe to share between threads of a server process."""

    def __init__(self, path: str | os.PathLike[str], rounds: int | None = None) -> None:
        self.path = Path(path)
        self.rounds = rounds if rounds is not None else BCRYPT_ROUNDS
        self._lock = threading.Lock()
        self._entries: dict[str, str] = {}
        self._stamp: Stamp | None = None
        self.where = f"users file {self.path}"
        self._checker = PasswordChecker(self.rounds, self.where)

    # -- reading -----------------------------------------------------------------

    def stamp(self) -> Stamp:
        """Identity of the file's current version; changes on every rewrite."""
        try:
            info = self.path.stat()
        except FileNotFoundError:
            return (0, 0, 0)
        return (info.st_ino, info.st_size, info.st_mtime_ns)

    def _entries_now(self) -> dict[str, str]:
        """Entries of the file as it is now, re-read only when its stamp changed."""
        stamp = self.stamp()
        with self._lock:
            if stamp != self._stamp:
                self._entries = self._parse()
                self._stamp = stamp
            return self._entries

    def _parse(self) -> dict[str, str]:
        return self._parse_lines()[0]

    def _parse_lines(self) -> tuple[dict[str, str], list[str]]:
        """(entries, other lines): comments and broken lines are kept so a rewrite
        never destroys what an admin wrote by hand."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}, []
        entries: dict[str, str] = {}
        others: list[str] = []
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip() or line.lstrip().startswith("#"):
                others.append(line)
                continue
            name, sep, digest = line.partition(":")
            if not sep or not name:
                logger.warning("users file %s line %d: no 'name:hash', line ignored",
                               self.path, number)
                others.append(line)
                continue
            entries[name] = digest.strip()
        return entries, others

    def names(self) -> list[str]:
        return sorted(self._entries_now())

    def exists(self, name: str) -> bool:
        return name in self._entries_now()

    def verify(self, name: str, password: str) -> bool:
        """True if ``password`` is ``name``'s. Unknown names cost one bcrypt check too,
        so response time does not tell which names exist."""
        entries = self._entries_now()
        return self._checker.check(name, entries.get(name), password, entries.values)

    def entries(self) -> dict[str, str]:
        """name -> hash, for ``migrate-db`` copying the users into the database."""
        return dict(self._entries_now())

    # -- changing ----------------------------------------------------------------

    def add(self, name: str, password: str) -> None:
        check_user_name(name)
        check_password(password)
        with self._editing() as entries:
            if name in entries:
                raise UserExists(f"user {name!r} already exists")
            entries[name] = self._hash(password)

    def set_password(self, name: str, password: str) -> None:
        check_password(password)
        with self._editing() as entries:
            if name not in entries:
                raise UnknownUser(f"user {name!r} does not exist")
            entries[name] = self._hash(password)

    def remove(self, name: str) -> None:
        with self._editing() as entries:
            if name not in entries:
                raise UnknownUser(f"user {name!r} does not exist")
            del entries[name]

    def _hash(self, password: str) -> str:
        return hash_password(password, self.rounds)

    @contextlib.contextmanager
    def _editing(self) -> Iterator[dict[str, str]]:
        """Read-modify-write under a cross-process lock; written only if the body succeeds."""
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        lock_path = self.path.with_name(self.path.name + ".lock")
        lock_fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(lock_fd, fcntl.LOCK_EX)
            entries, others = self._parse_lines()
            yield entries
            self._write(entries, others)
        finally:
            os.close(lock_fd)  # releases the flock

    def _write(self, entries: dict[str, str], others: list[str]) -> None:
        lines = [line for line in others if line.strip()]
        lines += [f"{name}:{digest}" for name, digest in entries.items()]
        text = "".join(line + "\n" for line in lines)
        fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", dir=self.path.parent)
        try:
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise
        dir_fd = os.open(self.path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
