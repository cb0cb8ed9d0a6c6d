"""Failed-login throttle that an attacker cannot turn against other users (issue 10).

Each failed login is counted three times, in the database so that every server process
and the CLI see the same numbers:

* per **(user, network)** pair: after ``lockout_threshold`` failures that user name is
  locked out *from that network* for ``lockout_seconds``;
* per **network** across all user names: never a lockout, only a growing delay, so one
  attacker behind a NAT or the reverse proxy cannot lock out everybody behind it;
* per **account** across all networks: after ``account_lockout_threshold`` failures the
  account is locked out everywhere (distributed guessing).

The address is the client's as :mod:`cms_dav.wsgi.client_address` decides it (behind a
trusted proxy, the forwarded client); an address that is not *lockable* (a proxy nobody
configured) never gets a (user, network) lockout, only delays (issue 17, item 3).

A network is the IPv4 address, or the IPv6 /64 (one customer's prefix, so rotating
addresses inside it does not reset anything). Before the password is checked, a login
waits ``first_delay * 2**(n-1)`` seconds, capped at ``max_delay``, where n is the
largest of its three counters: the delay comes *before* the verdict, so an attacker
who drops slow connections learns nothing sooner. Counters are forgotten after
``lockout_seconds`` without a failure or when their lockout ends; a verified login
clears its pair and account counters (never the network's: one valid account must not
reset the counter of the network it guesses from). Known devices skip all of this; see
:class:`cms_dav.auth.authenticator.Authenticator`.
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Callable, Iterator

from sqlalchemy import Connection, Engine, create_engine
from sqlalchemy.pool import StaticPool

from cms_dav.store import login_failures as sql
from cms_dav.store.engine import read_tx, write_tx
from cms_dav.store.schema import login_failures as table

logger = logging.getLogger(__name__)

Clock = Callable[[], float]
PAIR, ADDRESS, ACCOUNT = "pair", "address", "account"
MAX_KEY_NAME = 64


@dataclass(frozen=True)
class ThrottlePolicy:
    """The numbers of the policy; ``[auth]`` settings of the same meaning."""

    lockout_threshold: int = 10           # per (user, network); 0 = never
    account_lockout_threshold: int = 50   # per user across networks; 0 = never
    lockout_seconds: float = 300
    first_delay: float = 0.25
    max_delay: float = 5.0
    max_rows: int = 100_000

    def delay(self, failures: int) -> float:
        if failures <= 0 or self.first_delay <= 0:
            return 0.0
        return min(self.first_delay * 2 ** min(failures - 1, 30), self.max_delay)


@dataclass(frozen=True)
class Verdict:
    """What the counters say about one login attempt, before its password is checked."""

    delay: float
    locked_for: float = 0.0
    locked_by: str = ""   # "account" or "pair": which lockout refuses it
    counters: dict[sql.Key, sql.Counter] = field(default_factory=dict)


def network_key(address: str | None) -> str:
    """The network an address is counted under ("" when unknown)."""
    if not address:
        return ""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return address[:64]
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip)


def user_key(user: str) -> str:
    """The user name as stored: names no login can have are hashed to a fixed size."""
    if len(user) <= MAX_KEY_NAME:
        return user
    return "~" + hashlib.sha256(user.encode("utf-8", "surrogatepass")).hexdigest()[:40]


def memory_engine() -> Engine:
    """A private in-memory database, for a plain Radicale config with no cms_dav store
    (the counters then live in this process only)."""
    engine = create_engine("sqlite://", poolclass=StaticPool,
                           connect_args={"check_same_thread": False})
    table.create(engine)
    return engine


class LoginThrottle:
    def __init__(self, engine: Engine, policy: ThrottlePolicy,
                 clock: Clock = time.time) -> None:
        self.engine = engine
        self.policy = policy
        self._clock = clock
        # one shared connection for an in-memory database: serialize its use
        self._memory_lock = threading.Lock() if engine.url.database in (None, "", ":memory:") \
            else None

    # -- transactions ------------------------------------------------------------
    @contextmanager
    def _tx(self, write: bool) -> Iterator[Connection]:
        if self._memory_lock is None:
            with (write_tx if write else read_tx)(self.engine) as conn:
                yield conn
            return
        with self._memory_lock, self.engine.begin() as conn:
            yield conn

    @staticmethod
    def keys(user: str, address: str | None) -> list[sql.Key]:
        name, network = user_key(user), network_key(address)
        keys = [(PAIR, name, network), (ACCOUNT, name, "")]
        if network:
            keys.append((ADDRESS, "", network))
        return keys

    def _live(self, counter: sql.Counter, now: float) -> bool:
        if counter.locked_until:
            return now < counter.locked_until
        return now - counter.last_at < self.policy.lockout_seconds

    # -- the login path ------------------------------------------------------------
    def check(self, user: str, address: str | None) -> Verdict:
        """One read: the delay this attempt must wait and whether it is locked out."""
        now = self._clock()
        with self._tx(write=False) as conn:
            found = sql.read(conn, self.keys(user, address))
        live = {key: c for key, c in found.items() if self._live(c, now)}
        worst = max((c.failures for c in live.values()), default=0)
        locked_for, locked_by = 0.0, ""
        for counter in live.values():
            if counter.kind != ADDRESS and counter.locked_until > now + locked_for:
                locked_for, locked_by = counter.locked_until - now, counter.kind
        return Verdict(self.policy.delay(worst), locked_for, locked_by, live)

    def record_failure(self, user: str, address: str | None,
                       lockable: bool = True) -> list[str]:
        """Count one failed login in all three counters (one write transaction).
        ``lockable=False`` (an address many clients share without saying who they are:
        an unconfigured reverse proxy, see ``cms_dav.wsgi.client_address``): the pair is
        counted and delays grow, but it never locks that user out of the address."""
        policy, now = self.policy, self._clock()
        thresholds = {PAIR: policy.lockout_threshold if lockable else 0,
                      ACCOUNT: policy.account_lockout_threshold, ADDRESS: 0}
        started: list[str] = []
        with self._tx(write=True) as conn:
            sql.prune(conn, now, policy.lockout_seconds, policy.max_rows)
            for key in self.keys(user, address):
                counter = sql.count_failure(conn, key, now, policy.lockout_seconds,
                                            thresholds[key[0]], policy.lockout_seconds)
                if counter.locked_until and counter.failures == thresholds[key[0]]:
                    started.append(key[0])
                    logger.warning(
                        "locking out %s for %d s after %d failed logins (last: user %r "
                        "from %s)", "account %r" % user if key[0] == ACCOUNT
                        else "user %r from %s" % (user, key[2] or "unknown address"),
                        policy.lockout_seconds, counter.failures, user,
                        address or "unknown address")
        return started

    def record_success(self, user: str, address: str | None, verdict: Verdict) -> None:
        """A verified password clears the pair and account counters; no write when
        there are none (the common case)."""
        mine = [key for key in verdict.counters if key[0] != ADDRESS]
        if mine:
            with self._tx(write=True) as conn:
                sql.forget(conn, mine)

    # -- administration --------------------------------------------------------------
    def status(self, user: str) -> list[sql.Counter]:
        """The user's live account and (user, network) counters, newest first."""
        now = self._clock()
        with self._tx(write=False) as conn:
            return [c for c in sql.of_user(conn, user_key(user)) if self._live(c, now)]

    def unlock(self, user: str, address: str | None = None) -> list[sql.Counter]:
        """Lift the user's lockouts (only the one from ``address``'s network if given)."""
        with self._tx(write=True) as conn:
            return sql.forget_user(conn, user_key(user),
                                   network_key(address) if address else None)

    def failures(self, kind: str, user: str = "", address: str | None = None) -> int:
        key = (kind, user_key(user) if kind != ADDRESS else "",
               network_key(address) if kind != ACCOUNT else "")
        now = self._clock()
        with self._tx(write=False) as conn:
            counter = sql.read(conn, [key]).get(key)
        return counter.failures if counter and self._live(counter, now) else 0

    def failures_of_user(self, user: str) -> int:
        return self.failures(ACCOUNT, user)

    def failures_of_address(self, address: str) -> int:
        return self.failures(ADDRESS, address=address)
