"""API keys and their limits, LibreTranslate-style: requests per minute and characters per day, per key.

The key file is JSON:

    {"keys": [{"key": "a-long-random-secret", "name": "newsroom", "requests_per_minute": 60,
               "characters_per_day": 2000000}]}

Keys are compared in constant time (by their SHA-256, with `hmac.compare_digest`), kept only as digests in
memory, and never logged: a key is named in messages by its `name`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

from .errors import InputError, SummarizerError


class LimitExceeded(SummarizerError):
    def __init__(self, message: str, code: str, retry_after: int):
        super().__init__(message)
        self.code, self.retry_after = code, retry_after


@dataclass
class Account:
    name: str
    digest: bytes
    requests_per_minute: int | None
    characters_per_day: int | None
    recent: deque = field(default_factory=deque)  # times of the requests of the last minute
    day: int = -1
    characters: int = 0


def _digest(key: str) -> bytes:
    return hashlib.sha256(key.encode("utf-8")).digest()


class KeyStore:
    def __init__(self, accounts: list[Account]):
        self.accounts = accounts
        self._lock = threading.Lock()

    @classmethod
    def load(cls, path: str | Path) -> KeyStore:
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
            entries = data["keys"] if isinstance(data, dict) else data
            accounts = []
            for index, entry in enumerate(entries):
                key = str(entry["key"])
                if len(key) < 16:
                    raise InputError(f"{path}: key {index + 1} is shorter than 16 characters; use a long random one")
                accounts.append(Account(str(entry.get("name", f"key {index + 1}")), _digest(key),
                                        _limit(entry.get("requests_per_minute")),
                                        _limit(entry.get("characters_per_day"))))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise InputError(f"{path}: not a key file ({exc}); see the README for its form") from None
        if not accounts:
            raise InputError(f"{path}: holds no keys")
        return cls(accounts)

    def find(self, key: str) -> Account | None:
        """The account of a key, comparing with every key in constant time."""
        if not key:
            return None
        digest = _digest(key)
        found = None
        for account in self.accounts:
            if hmac.compare_digest(digest, account.digest):
                found = account
        return found

    def charge(self, account: Account, characters: int, now: float | None = None) -> None:
        """Count a request and its characters against the account's limits; LimitExceeded past one."""
        now = time.time() if now is None else now
        with self._lock:
            while account.recent and account.recent[0] <= now - 60:
                account.recent.popleft()
            if account.requests_per_minute is not None and len(account.recent) >= account.requests_per_minute:
                wait = int(account.recent[0] + 60 - now) + 1
                raise LimitExceeded(f"Key {account.name!r} is over its {account.requests_per_minute} requests per "
                                    f"minute; try again in {wait} s.", "rate_limited", wait)
            day = int(now // 86400)
            if day != account.day:
                account.day, account.characters = day, 0
            if account.characters_per_day is not None and account.characters + characters > \
                    account.characters_per_day:
                wait = int((day + 1) * 86400 - now) + 1
                raise LimitExceeded(f"Key {account.name!r} is over its {account.characters_per_day:,} characters per "
                                    "day (UTC); try again tomorrow.", "quota_exceeded", wait)
            account.recent.append(now)
            account.characters += characters


def _limit(value) -> int | None:
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValueError(f"a limit must be a whole number of at least 1, not {value!r}")
    return value
