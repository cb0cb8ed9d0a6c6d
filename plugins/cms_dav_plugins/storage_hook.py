"""Radicale's ``[storage] hook``: a shell command run after each committed change.

Admins use it for notifications, exports or history. cms_dav runs it as Radicale's
``multifilesystem`` storage does (``radicale/storage/multifilesystem/lock.py``), with
the same placeholders, each shell-quoted:

- ``%(user)s``: the logged-in user (``Anonymous`` when none), ``%(actor)s`` likewise;
- ``%(cwd)s``: the data dir, which is also the command's working directory;
- ``%(path)s``: the changed DAV path under ``<data dir>/collection-root``, exactly as
  Radicale forms it (``/var/cms/collection-root/alice/contacts/x.vcf``), so that hook
  scripts written for Radicale keep working. cms_dav keeps no files there: the DAV
  path is what follows ``collection-root``;
- ``%(to_path)s``: a MOVE's destination, formed the same way, else empty (unquoted, as
  in Radicale);
- ``%(request)s``: the method (``PUT``, ``DELETE``, ``MOVE``, ``PROPPATCH``, ``MKCOL``,
  ``MKCALENDAR``), ``NONE`` when Radicale names none (a new user's home).

Unlike Radicale, the hook runs only when a write was committed (a PUT refused by a
precondition runs nothing), after the collection lock is released, never inside a
database transaction; runs are serialized through ``<data dir>/.hook.lock`` so that,
as under Radicale's global lock, two hooks never run at once (e.g. two ``git commit``).
A failing hook is logged like Radicale logs it and never undoes the committed change.
A hook still running after :data:`TIMEOUT_SECONDS` is killed (Radicale waits forever).
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import shlex
import signal
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from radicale.log import logger

from cms_dav.radicale_compat import LockRequest

TIMEOUT_SECONDS = 300
#: the folder Radicale's file storage keeps collections in; %(path)s is formed under it
COLLECTION_ROOT = "collection-root"


@dataclass(frozen=True)
class StorageHook:
    command: str
    #: the data dir: ``%(cwd)s`` and the command's working directory
    cwd: Path

    @classmethod
    def from_configuration(cls, configuration: Any, data_dir: Path) -> "StorageHook | None":
        command = str(configuration.get("storage", "hook") or "").strip()
        return cls(command, data_dir) if command else None

    def command_for(self, lock: LockRequest) -> str:
        """The command with Radicale's placeholders filled in (KeyError: unknown one)."""
        root = str(self.cwd / COLLECTION_ROOT)
        to_path = shlex.quote(root + lock.to_path) if lock.to_path else ""
        return self.command % {
            "path": shlex.quote(root + lock.path),
            "to_path": to_path,
            "cwd": shlex.quote(str(self.cwd)),
            "request": shlex.quote(lock.request or "NONE"),
            "actor": shlex.quote(lock.actor or "Anonymous"),
            "user": shlex.quote(lock.user or "Anonymous"),
        }

    def run(self, lock: LockRequest) -> None:
        """Run the hook for one committed change; never raises."""
        try:
            command = self.command_for(lock)
        except (KeyError, ValueError, TypeError) as exc:
            logger.error("Storage hook contains not supported placeholder %s "
                         "(skip execution of: %r)", exc, self.command)
            return
        try:
            with self._serialized():
                self._execute(command)
        except Exception as exc:  # noqa: BLE001 - the change is committed; only log
            logger.error("Execution of storage hook not successful: %s", exc)

    @contextlib.contextmanager
    def _serialized(self) -> Iterator[None]:
        fd = os.open(self.cwd / ".hook.lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)

    def _execute(self, command: str) -> None:
        debug = logger.isEnabledFor(logging.DEBUG)
        logger.debug("Executing storage hook: '%s'", command)
        pipe = subprocess.PIPE if debug else subprocess.DEVNULL
        try:
            # own process group: a terminal's SIGINT does not reach it, and its
            # children can be killed with it
            process = subprocess.Popen(command, shell=True, text=True, cwd=self.cwd,
                                       stdin=subprocess.DEVNULL, stdout=pipe, stderr=pipe,
                                       process_group=0)
        except Exception as exc:  # noqa: BLE001
            logger.error("Execution of storage hook not successful on 'Popen': %s", exc)
            return
        try:
            stdout, stderr = process.communicate(timeout=TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            logger.error("Execution of storage hook not successful: still running after "
                         "%d s, killed: %r", TIMEOUT_SECONDS, command)
            return
        except Exception as exc:  # noqa: BLE001 - logged as Radicale does; the change is committed
            logger.error("Execution of storage hook not successful on 'communicate': %s",
                         exc)
            return
        finally:
            with contextlib.suppress(OSError):
                os.killpg(process.pid, signal.SIGKILL)
            if process.returncode is None:
                process.wait()
        if stdout:
            logger.debug("Captured stdout from storage hook:\n%s", stdout)
        if stderr:
            logger.debug("Captured stderr from storage hook:\n%s", stderr)
        if process.returncode != 0:
            logger.error("Execution of storage hook not successful: %s",
                         subprocess.CalledProcessError(process.returncode, process.args))
