"""Counting login attempts: per client address and per certificate.

nginx's ``limit_req`` (``etc/nginx/opalexe.conf``) caps the login addresses
for the whole host; this counter is the application's own cap, kept in each
process's memory: a burst of attempts from one address, or with one
certificate, is refused for the rest of the window, whatever the attempts
prove. Memory stays bounded: the oldest keys are forgotten first.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable

MAX_KEYS = 10_000


class AttemptCounter:
    """At most ``limit`` attempts per key in any ``window`` seconds."""

    def __init__(self, limit: int, window: float, clock: Callable[[], float] = time.monotonic):
        self.limit = limit
        self.window = window
        self.clock = clock
        self._attempts: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def admit(self, key: str | None) -> bool:
        """Count one attempt for ``key``; False when it is one too many (the
        refused attempt counts too: hammering keeps the door shut)."""
        if not key:
            return True
        now = self.clock()
        with self._lock:
            attempts = self._attempts.pop(key, None) or deque()
            while attempts and now - attempts[0] >= self.window:
                attempts.popleft()
            attempts.append(now)
            self._attempts[key] = attempts
            while len(self._attempts) > MAX_KEYS:
                self._attempts.popitem(last=False)
            return len(attempts) <= self.limit


class LoginLimiter:
    """The two counters of login attempts."""

    def __init__(self, per_address: int, per_certificate: int, window: float,
                 clock: Callable[[], float] = time.monotonic):
        self.by_address = AttemptCounter(per_address, window, clock)
        self.by_certificate = AttemptCounter(per_certificate, window, clock)
        self.window = window

    @classmethod
    def from_settings(cls, settings) -> LoginLimiter:
        return cls(settings.login_attempts_per_address, settings.login_attempts_per_certificate,
                   settings.login_window_seconds)

    def admit(self, address: str | None, certificate_fingerprint: str | None) -> bool:
        by_address = self.by_address.admit(address)
        by_certificate = self.by_certificate.admit(certificate_fingerprint)
        return by_address and by_certificate
