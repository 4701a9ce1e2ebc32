"""API key -> tenant, remembered briefly so a polling client does not cost a key lookup per request.

Status polls are most of the API's traffic, and before this cache the key lookup (plus its
`last_used_at` write) was a third of each poll's queries. What is remembered, and for how long:

* a key that resolved to a tenant, for `ttl` seconds (`REPORTGEN_AUTH_CACHE_SECONDS`, default
  10). A key revoked by this process (`reportgen.store.keys.revoke_key`) is refused at once; one
  revoked by another process (the `reportgen keys revoke` CLI, another server) within `ttl`.
* never an unknown or revoked key: a new key works at once, and a refused one is asked again.
* in keyless mode (loopback, no keys yet): "keys exist" forever once seen, since keys are never
  deleted; "no keys yet" and the implicit local tenant for `ttl`, or until this process creates
  a key. So after `reportgen keys create` keyless requests are refused within `ttl`.

Only the event loop thread touches the cache, so it needs no lock.
"""

from __future__ import annotations

import time

from reportgen.store.keys import hash_key, key_changes
from reportgen.store.tables import Tenant


class KeyCache:
    def __init__(self, ttl: float, max_entries: int = 10_000) -> None:
        self.ttl, self.max_entries = ttl, max_entries
        self._tenants: dict[str, tuple[float, Tenant]] = {}  # key hash -> (expires, tenant)
        self._generation = key_changes()
        self._keys_exist = False
        self._local: tuple[float, Tenant] | None = None

    def generation(self) -> int:
        """Take this before a lookup and hand it to `put`, so a key change made meanwhile is not undone."""
        return key_changes()

    def get(self, key: str) -> Tenant | None:
        self._drop_if_keys_changed()
        hit = self._tenants.get(hash_key(key))
        return hit[1] if hit and hit[0] > time.monotonic() else None

    def put(self, key: str, tenant: Tenant, generation: int) -> None:
        self._drop_if_keys_changed()
        if self.ttl <= 0 or generation != self._generation:
            return
        if len(self._tenants) >= self.max_entries:
            now = time.monotonic()
            self._tenants = {k: v for k, v in self._tenants.items() if v[0] > now}
            if len(self._tenants) >= self.max_entries:
                self._tenants.clear()  # a flood of distinct live keys: start over rather than grow
        self._tenants[hash_key(key)] = (time.monotonic() + self.ttl, tenant)

    def keys_exist(self) -> bool:
        """Whether a key was seen to exist: then keyless requests are refused without asking the database."""
        return self._keys_exist

    def local_tenant(self) -> Tenant | None:
        """The implicit local tenant, while "no keys yet" is fresh."""
        self._drop_if_keys_changed()
        if self._local and self._local[0] > time.monotonic():
            return self._local[1]
        return None

    def put_keyless(self, keys_exist: bool, local: Tenant | None, generation: int) -> None:
        self._drop_if_keys_changed()
        if keys_exist:
            self._keys_exist, self._local = True, None
        elif local is not None and self.ttl > 0 and generation == self._generation:
            self._local = (time.monotonic() + self.ttl, local)

    def _drop_if_keys_changed(self) -> None:
        if (gen := key_changes()) != self._generation:
            self._tenants.clear()
            self._local = None
            self._generation = gen
