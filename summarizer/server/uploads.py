"""The page's uploads: the only files the page reads, each counted against the key that sent it, deleted once read.

Gradio's upload route (POST /gradio_api/upload) writes each file into its upload folder (``GRADIO_TEMP_DIR``,
by default ``<tmp>/gradio``) and answers its path; an event of the page then names that path in a FileData
(``{"path": ..., "meta": {"_type": "gradio.FileData"}}``), and Gradio copies whatever path it is given into
its cache before the page's function runs: a mounted app (`gr.mount_gradio_app`) skips Gradio's own check
that the file was uploaded. So `PageFiles`, an ASGI middleware of the page, sees every request to it:

- an upload counts against its key's uploads per minute (keys.py) before its body is read; it must be one
  file, of a type the page reads, and may not take the bytes its key holds (uploads not yet read) over
  ``max_uploads_mb_per_key``, nor those of everyone over ``max_uploads_mb``; its path is recorded with its
  owner (the user logged in to the page; nobody on a server without keys);
- any other request whose JSON names a ``path`` that is not an upload of the same user (absolute, relative,
  ``..``, ``file://`` or a URL alike) is refused with 403 before Gradio reads it.

The page reads an upload with `Uploads.take`, which checks it again and deletes it. An upload not read
within KEEP_UPLOADS_S is deleted.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..batch.inputs import ARTICLE_SUFFIXES
from ..errors import (
    ForbiddenFileError,
    InputError,
    InvalidRequestError,
    QueueFullError,
    RateLimitedError,
    SummarizerError,
    TooLongError,
    UnauthorizedError,
    UnsupportedFileError,
)
from .guards import body_limit, send_error
from .keys import KeyStore
from .metrics import Metrics
from .page_inputs import PageInputs
from .settings import ServerSettings

UPLOAD_ROUTE = "/gradio_api/upload"
KEEP_UPLOADS_S = 900  # an upload not read within this long is deleted (and its bytes given back)
MIN_FILE_BYTES = 4096  # each file counts at least this much against the caps (a file takes a disk block)
UPLOAD_TYPES = sorted(ARTICLE_SUFFIXES)
NOT_UPLOADED = "Only a file uploaded on this page can be read: upload it again."


@dataclass
class Upload:
    owner: str | None
    bytes: int  # counted against its owner's and the server's caps until it is read
    time: float
    read: bool = False


class Uploads:
    """The files the upload route wrote, by path, with who sent them; the bytes each owner holds."""

    def __init__(self, settings: ServerSettings, keys: KeyStore | None, *, keep_s: float = KEEP_UPLOADS_S):
        self.settings, self.keys, self.keep_s = settings, keys, keep_s
        self._files: dict[str, Upload] = {}  # in the order they came (re-recorded ones move to the end)
        self._held: dict[str | None, int] = {}  # owner -> bytes of unread uploads and of uploads under way
        self._lock = threading.Lock()

    def held(self, owner: str | None = None) -> int:
        """Bytes `owner` holds (uploads not yet read); everyone's with no owner on a server with keys."""
        with self._lock:
            return self._held.get(owner, 0) if owner is not None or self.keys is None else sum(self._held.values())

    def begin(self, owner: str | None, declared: int | None) -> int:
        """Admit an upload by `owner` of a body of `declared` bytes: counted against the key, its bytes (at most
        one file's limit) held; they are returned, for `finish` or `cancel`."""
        account = self.keys.named(owner) if self.keys else None
        if self.keys is not None and account is None:
            raise UnauthorizedError("Log in to the page to upload a file.")
        size = max(MIN_FILE_BYTES, min(declared or self.settings.max_upload_bytes, self.settings.max_upload_bytes))
        with self._lock:
            self._expire(time.time())
            self._check_room(owner, size)
            if account is not None:
                self.keys.charge_upload(account)
            self._held[owner] = self._held.get(owner, 0) + size
        return size

    def _check_room(self, owner: str | None, size: int) -> None:
        per_key = int(self.settings.max_uploads_mb_per_key * 1_000_000)
        if self.keys is not None and self._held.get(owner, 0) + size > per_key:
            raise RateLimitedError(f"Key {owner!r} holds {self._held.get(owner, 0):,} bytes of uploads not yet read; "
                                   f"the limit is {per_key:,} (max_uploads_mb_per_key): summarise them, or wait "
                                   f"{self.keep_s // 60:g} minutes.", retry_after=60)
        total = int(self.settings.max_uploads_mb * 1_000_000)
        if sum(self._held.values()) + size > total:
            raise QueueFullError(f"The server holds {total:,} bytes of uploads not yet read (max_uploads_mb); "
                                 "try again shortly.", retry_after=self.settings.retry_after)

    def cancel(self, owner: str | None, reserved: int) -> None:
        with self._lock:
            self._held[owner] -= reserved

    def finish(self, owner: str | None, reserved: int, paths, folder: str | Path) -> None:
        """Record what the upload route wrote into `folder` (answering `paths`) as `owner`'s, in place of the
        bytes held for it; a file refused (a second one, another type) is deleted and the error raised."""
        self.cancel(owner, reserved)
        files = [Path(p) for p in paths] if isinstance(paths, list) and all(isinstance(p, str) for p in paths) else []
        inside = all(file.resolve().is_relative_to(Path(folder).resolve()) for file in files)
        problem = None
        if not files or not inside or len(files) > 1:
            problem = InputError("Upload one file at a time.")
        elif files[0].suffix.lower() not in ARTICLE_SUFFIXES:
            problem = UnsupportedFileError(f"{files[0].name}: only {', '.join(UPLOAD_TYPES)} files can be uploaded.")
        if problem:
            for file in files if inside else []:
                _delete(file)
            raise problem
        path = paths[0]
        size = max(MIN_FILE_BYTES, os.path.getsize(path) if os.path.exists(path) else reserved)
        with self._lock:
            earlier = self._files.pop(path, None)  # the same name and bytes again: one file, now this owner's
            if earlier is not None and not earlier.read:
                self._held[earlier.owner] -= earlier.bytes
            self._files[path] = Upload(owner, size, time.time())
            self._held[owner] = self._held.get(owner, 0) + size

    def allows(self, path: object, owner: str | None) -> bool:
        """Whether `path` is an upload of `owner` (read or not: reading it again gets `take`'s clear error)."""
        with self._lock:
            found = self._files.get(path) if isinstance(path, str) else None
            return found is not None and found.owner == owner

    def take(self, path: str, owner: str | None) -> tuple[str, bytes]:
        """The name and the bytes of `owner`'s upload at `path`, which is then deleted; ForbiddenFileError for
        any other path (the message names none)."""
        with self._lock:
            self._expire(time.time())
            found = self._files.get(path)
            if found is None or found.owner != owner:
                raise ForbiddenFileError(NOT_UPLOADED)
            if found.read:
                raise ForbiddenFileError("That upload has been read and deleted: upload it again.")
            found.read = True
            self._held[owner] -= found.bytes
        try:
            return Path(path).name, Path(path).read_bytes()
        except OSError:
            raise ForbiddenFileError(NOT_UPLOADED) from None
        finally:
            _delete(Path(path))

    def _expire(self, now: float) -> None:
        """Forget the uploads older than keep_s (the lock held), deleting those not read."""
        while self._files:
            path, upload = next(iter(self._files.items()))
            if upload.time > now - self.keep_s:
                break
            del self._files[path]
            if not upload.read:
                self._held[upload.owner] -= upload.bytes
                _delete(Path(path))


def _delete(file: Path) -> None:
    """Delete an uploaded file and its folder (Gradio makes one per file's hash) once empty."""
    for remove in (file.unlink, file.parent.rmdir):
        try:
            remove()
        except OSError:
            return


def gradio_user(gradio_app) -> Callable[[Scope], str | None]:
    """The user logged in to the page that a request comes from, by its cookie, as Gradio's own
    ``get_current_user`` finds it (gradio/routes.py): its login tokens are kept on its app."""

    def user(scope: Scope) -> str | None:
        cookies = HTTPConnection(scope).cookies
        token = cookies.get(f"access-token-{gradio_app.cookie_id}") or \
            cookies.get(f"access-token-unsecure-{gradio_app.cookie_id}")
        return gradio_app.tokens.get(token)

    return user


def _paths(value) -> list:
    """Every ``path`` of a dict anywhere in a request's JSON (where Gradio looks for files); None for a dict that
    names a file some other way (a ``url``, or a FileData ``meta``) without a path."""
    if isinstance(value, dict):
        names_file = "path" in value or "url" in value or "meta" in value
        return ([value.get("path")] if names_file else []) + [p for v in value.values() for p in _paths(v)]
    if isinstance(value, list):
        return [p for v in value for p in _paths(v)]
    return []


class PageFiles:
    """The page's middleware: uploads counted, capped and recorded; a file not uploaded by the same user never
    named to Gradio."""

    def __init__(self, app: ASGIApp, *, uploads: Uploads, user: Callable[[Scope], str | None], folder: str,
                 metrics: Metrics | None = None, inputs: PageInputs | None = None):
        self.app, self.uploads, self.user, self.folder, self.metrics = app, uploads, user, folder, metrics
        self.inputs = inputs

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
        elif scope["path"] == UPLOAD_ROUTE:
            await self._upload(scope, receive, send)
        else:
            await self._checked(scope, receive, send)

    async def _upload(self, scope: Scope, receive: Receive, send: Send) -> None:
        owner = self.user(scope)
        declared = next((v for k, v in scope["headers"] if k == b"content-length"), b"")
        try:
            reserved = self.uploads.begin(owner, int(declared) if declared.isdigit() else None)
        except SummarizerError as exc:
            await _refuse(send, exc, self.metrics)
            return
        start: dict = {}
        chunks: list[bytes] = []

        async def keep(message: Message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            else:
                chunks.append(message.get("body", b""))

        try:
            await self.app(scope, receive, keep)
        except BaseException:
            self.uploads.cancel(owner, reserved)
            raise
        body = b"".join(chunks)
        if start.get("status") != 200:
            self.uploads.cancel(owner, reserved)
        else:
            try:
                self.uploads.finish(owner, reserved, json.loads(body), self.folder)
            except SummarizerError as exc:
                await _refuse(send, exc, self.metrics)
                return
        await send(start)
        await send({"type": "http.response.body", "body": body})

    async def _checked(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Read the body (capped as Guard caps it), refuse it if its JSON names a file that is not the user's
        upload, else hand it on as it came."""
        messages, size, limit = [], 0, body_limit(self.uploads.settings, scope["path"])
        while True:
            message = await receive()
            messages.append(message)
            size += len(message.get("body", b""))
            if size > limit:
                await _refuse(send, TooLongError(f"The request's body is over the {limit:,}-byte limit."), self.metrics)
                return
            if message["type"] != "http.request" or not message.get("more_body", False):
                break
        try:
            body = json.loads(b"".join(m.get("body", b"") for m in messages))
        except ValueError:
            body = None  # not JSON: Gradio reads no file from it either
        owner = self.user(scope)
        if any(not self.uploads.allows(path, owner) for path in _paths(body)):
            await _refuse(send, ForbiddenFileError(NOT_UPLOADED), self.metrics)
            return
        problem = self.inputs.problem(scope["path"], body) if self.inputs else None
        if problem:  # refused here in one line, not by Gradio with a traceback in the log
            await _refuse(send, InvalidRequestError(f"data: {problem}."), self.metrics)
            return
        replay = iter(messages)

        async def again() -> Message:
            return next(replay, None) or await receive()

        await self.app(scope, again, send)


async def _refuse(send: Send, error: SummarizerError, metrics: Metrics | None) -> None:
    await send_error(send, error, metrics=metrics, retry_after=getattr(error, "retry_after", None) or 5)
