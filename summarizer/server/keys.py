"""API keys and their limits, LibreTranslate-style: articles per minute and characters per day, per key.

The key file is JSON:

    {"keys": [{"key": "pZ3x9Qk-7vLmT2wR_bN8yHcE4sJd", "name": "newsroom", "requests_per_minute": 60,
               "characters_per_day": 2000000}]}

A key must be printable ASCII without spaces, hold `MIN_KEY_BITS` (128) bits by its length and alphabet (22
base64url characters, 32 hex digits), and not be a few characters repeated (`spread_bits`): any other is
refused when the file is read, named by its `name`. Keys are compared in constant time (by
their SHA-256, with `hmac.compare_digest`), kept only as digests in memory, and never logged: a key is named
in messages by its `name` (unique in the file; the page's login asks for it as the user name, and the key as
the password).

Every article counts as one request, however it came (one per POST /v1/summarize, one per article of a
batch, one per summary on the page), and every POST to the API counts at least one, valid or not (`admit`,
before its body is read); its characters count once it is accepted, and are given back when it is refused
or fails. Looking around (/v1/models, /v1/languages, /metrics) needs a key but costs nothing.
A file uploaded on the page counts against the same number in a window of its own: a key may upload as many
files a minute as it may summarise articles (uploads.py caps the bytes they hold). The counters live in
memory: a restart resets them.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import math
import threading
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputError, QuotaExceededError, RateLimitedError, SummarizerError


@dataclass(eq=False)
class Account:
    name: str
    digest: bytes
    requests_per_minute: int | None
    characters_per_day: int | None
    recent: deque = field(default_factory=deque)  # times of the articles of the last minute
    uploads: deque = field(default_factory=deque)  # times of the page's uploads of the last minute
    day: int = -1
    characters: int = 0


@dataclass(frozen=True)
class Charge:
    """What one accepted request cost: given back (in part) by `KeyStore.refund` when it fails."""

    account: Account
    characters: int
    day: int


@dataclass
class Bill:
    """A request's charge against its key, with the one rule for giving it back: all of it when nothing was
    queued or the client left; an article's characters when that article failed (`settle`). Without keys (an
    open server) or an account, there is nothing to charge or give back."""

    keys: KeyStore | None = None
    charge: Charge | None = None

    def refund(self, characters: int | None = None) -> None:
        if self.keys is not None and self.charge is not None:
            self.keys.refund(self.charge, characters)

    def settle(self, text: str, result: object) -> None:
        """An article's result is in: its characters come back when it is an error."""
        if isinstance(result, SummarizerError):
            self.refund(len(text))


MIN_KEY_BITS = 128  # the least a key may hold, as `key_bits` counts it
MIN_SPREAD_BITS = 64  # and as `spread_bits` counts it: a random 22-character key has about 90
_ALPHABETS = (("0123456789", 10), ("0123456789abcdef", 16), ("0123456789ABCDEF", 16),
              ("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_", 64),
              ("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ+/=", 64))


def key_bits(key: str) -> int:
    """The most a random key of this length and alphabet can hold, in bits: its length times the bits of the
    smallest usual alphabet (digits, hex, base64) it is written in, 6.5 per character beyond those. A key's
    randomness cannot be seen; its length and alphabet bound it (16 characters: 96 bits at most)."""
    chars = set(key)
    per_char = next((math.log2(size) for alphabet, size in _ALPHABETS if chars <= set(alphabet)), None)
    return int(len(key) * (6.5 if per_char is None else per_char))


def spread_bits(key: str) -> float:
    """The key's length times the entropy of its own characters' frequencies: near 0 for a key of one repeated
    character, about 4 bits a character for a random one. It catches keys made of a few characters repeated,
    which `key_bits` (length and alphabet) takes for strong; no count sees every key that is not random."""
    counts = Counter(key)
    return -sum(n * math.log2(n / len(key)) for n in counts.values()) if key else 0.0


def key_problem(key: object) -> str | None:
    """Why a key from the key file cannot be used (None if it can), in words that do not repeat it."""
    if not isinstance(key, str):
        return "is not a JSON string"
    if not key.isascii() or not key.isprintable() or any(char.isspace() for char in key):
        return "holds a character other than printable ASCII, or a space (a Bearer header cannot carry it whole)"
    if key_bits(key) < MIN_KEY_BITS:
        return (f"is too short: a key needs {MIN_KEY_BITS} bits, at least 22 random base64url characters (32 hex "
                "digits)")
    if spread_bits(key) < MIN_SPREAD_BITS:
        return "repeats a few characters: a random key of its length would not"
    return None


def _digest(key: str) -> bytes:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).digest()


class KeyStore:
    def __init__(self, accounts: list[Account]):
        names = [account.name for account in accounts]
        if len(set(names)) != len(names):
            raise InputError(f"key names must be unique (they name the key in the page's login and in "
                             f"messages): {', '.join(sorted({n for n in names if names.count(n) > 1}))}")
        self.accounts = accounts
        self._lock = threading.Lock()

    @classmethod
    def load(cls, path: str | Path) -> KeyStore:
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
            entries = data["keys"] if isinstance(data, dict) else data
            accounts, weak = [], []
            for index, entry in enumerate(entries):
                key, name = entry["key"], str(entry.get("name", f"key {index + 1}"))
                problem = key_problem(key)
                if problem:
                    weak.append(f"{name!r} {problem}")
                    key = ""
                accounts.append(Account(name, _digest(key), _limit(entry.get("requests_per_minute")),
                                        _limit(entry.get("characters_per_day"))))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise InputError(f"{path}: not a key file ({exc}); see the README for its form") from None
        if not accounts:
            raise InputError(f"{path}: holds no keys")
        if weak:
            raise InputError(f"{path}: the key named {'; the key named '.join(weak)}. Make a key with: "
                             "python -c 'import secrets; print(secrets.token_urlsafe(32))'")
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

    def login(self, name: str, key: str) -> bool:
        """The page's login: the key's name as the user name, the key as the password."""
        account = self.find(key)
        return account is not None and hmac.compare_digest(account.name.encode(), name.strip().encode())

    def named(self, name: str | None) -> Account | None:
        return next((account for account in self.accounts if account.name == name), None)

    def charge(self, account: Account, articles: int = 1, characters: int = 0, now: float | None = None,
               counted: int = 0) -> Charge:
        """Count `articles` and their `characters` against the account's limits, or raise RateLimitedError
        (QuotaExceededError for characters) and count nothing more. `counted` of the articles were counted
        already (`admit`: the request itself, before its body was read)."""
        now = time.time() if now is None else now
        with self._lock:
            _check_window(account, account.recent, articles, "articles", now, counted)
            day = int(now // 86400)
            if day != account.day:
                account.day, account.characters = day, 0
            quota = account.characters_per_day
            if quota is not None and account.characters + characters > quota:
                wait = int((day + 1) * 86400 - now) + 1
                raise QuotaExceededError(f"Key {account.name!r} is over its {quota:,} characters per day (UTC); "
                                         "try again tomorrow.", retry_after=wait)
            account.recent.extend([now] * max(0, articles - counted))
            account.characters += characters
            return Charge(account, characters, day)

    def admit(self, account: Account, now: float | None = None) -> Charge:
        """Count one request against the account's articles per minute before its body is read, whatever the
        body turns out to be: a request refused as invalid costs an article too (RateLimitedError if over)."""
        return self.charge(account, 1, 0, now)

    def charge_upload(self, account: Account, now: float | None = None) -> None:
        """Count one file uploaded on the page (as many a minute as the key's articles), or raise RateLimitedError
        and count nothing."""
        now = time.time() if now is None else now
        with self._lock:
            _check_window(account, account.uploads, 1, "uploads", now)
            account.uploads.append(now)

    def refund(self, charge: Charge, characters: int | None = None) -> None:
        """Give back the characters of a charge (or `characters` of them) whose articles were not summarised."""
        amount = charge.characters if characters is None else min(characters, charge.characters)
        with self._lock:
            if charge.account.day == charge.day:
                charge.account.characters = max(0, charge.account.characters - amount)


def _check_window(account: Account, recent: deque, count: int, what: str, now: float, counted: int = 0) -> None:
    """Forget the times in `recent` over a minute old; raise RateLimitedError if `count` more (`counted` of them
    in `recent` already) would go over the account's requests_per_minute."""
    while recent and recent[0] <= now - 60:
        recent.popleft()
    limit = account.requests_per_minute
    if limit is not None and len(recent) - counted + count > limit:
        wait = int(recent[0] + 60 - now) + 1 if recent and count <= limit else 60
        raise RateLimitedError(f"Key {account.name!r} is over its {limit} {what} per minute ({count} asked for); "
                               f"try again in {wait} s.", retry_after=wait)


def _limit(value) -> int | None:
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValueError(f"a limit must be a whole number of at least 1, not {value!r}")
    return value
