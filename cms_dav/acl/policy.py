"""The ACL store: rights file + shares table -> effective rights, with a short cache.

Radicale asks for rights once per item of a Depth-1 PROPFIND, so answers are cached
per (user, path) and dropped when the rights file reloads, when this process changes
a share, or after ``ttl`` seconds (shares changed on another node).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from pathlib import Path

from cms_dav.acl import mounts, permissions, sharestore
from cms_dav.acl.permissions import ShareGrant, Source
from cms_dav.acl.rightsfile import RightsFile, rights_file
from cms_dav.acl.rules import RightsRules
from cms_dav.store.engine import get_engine, read_tx

DEFAULT_TTL = 1.0
CACHE_SIZE = 20_000


class Policy:
    def __init__(self, rights_path: Path, database_url: str | None,
                 ttl: float = DEFAULT_TTL, source: RightsFile | None = None) -> None:
        self.file = source or rights_file(rights_path)
        self.database_url = database_url
        self.ttl = ttl
        self._cache: OrderedDict[tuple[str, str], tuple[float, int, int, str]] = OrderedDict()
        self._shares: dict[str, tuple[float, list[ShareGrant]]] = {}
        self._share_generation = 0
        self._lock = threading.Lock()

    def rules(self) -> RightsRules:
        return self.file.rules()

    def groups_of(self, user: str) -> frozenset[str]:
        return self.rules().groups_of(user)

    def shares_changed(self) -> None:
        """Call after this process changed a share: the next answer is recomputed."""
        with self._lock:
            self._share_generation += 1
            self._shares.clear()

    def authorization(self, user: str, path: str) -> str:
        rules = self.rules()  # may reload the file and bump its generation
        key = (user, path)
        now = time.monotonic()
        with self._lock:
            hit = self._cache.get(key)
            if hit and hit[0] > now and hit[1] == self.file.generation \
                    and hit[2] == self._share_generation:
                self._cache.move_to_end(key)
                return hit[3]
        result = permissions.letters(user, rules.groups_of(user), path, rules,
                                     self._share_grants(user), self._collection_exists)
        with self._lock:
            self._cache[key] = (now + self.ttl, self.file.generation,
                                self._share_generation, result)
            if len(self._cache) > CACHE_SIZE:
                self._cache.popitem(last=False)
        return result

    def sources(self, user: str, path: str) -> list[Source]:
        rules = self.rules()
        return permissions.sources(user, rules.groups_of(user), path, rules,
                                   self._share_grants(user, fresh=True),
                                   self._collection_exists)

    def _collection_exists(self, path: str) -> bool:
        if not self.database_url:
            return True
        with read_tx(get_engine(self.database_url)) as conn:
            return mounts.exists(conn, path)

    def _share_grants(self, user: str, fresh: bool = False) -> list[ShareGrant]:
        if not user or not self.database_url:
            return []
        now = time.monotonic()
        with self._lock:
            hit = self._shares.get(user)
            if hit and hit[0] > now and not fresh:
                return hit[1]
        with read_tx(get_engine(self.database_url)) as conn:
            grants = sharestore.grants_for(conn, user)
        with self._lock:
            self._shares[user] = (now + self.ttl, grants)
        return grants


_policies: dict[tuple[Path, str | None], Policy] = {}
_policies_lock = threading.Lock()


def get_policy(rights_path: Path, database_url: str | None) -> Policy:
    """One Policy per (rights file, database) per process, shared by all plugins."""
    key = (Path(rights_path).absolute(), database_url)
    with _policies_lock:
        if key not in _policies:
            _policies[key] = Policy(key[0], database_url)
        return _policies[key]
