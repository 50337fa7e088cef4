"""Where articles come from: files, folders, tables (JSON Lines, CSV, Parquet), stdin and URLs.

Every input becomes `Item`s with a stable id (so a batch run can resume) and a
loader that reads the text only when its batch comes up. A bad item (missing,
undecodable, not an article) raises `InputError` from its loader: the batch
writes an error row for it and goes on.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError
from ..text.splitting import replace_surrogates

TEXT_SUFFIXES = {".txt", ".text", ".md", ".markdown"}
HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
ARTICLE_SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES  # a file of one article (folders are searched for these)
# A table of articles, one a row, by suffix -> its kind: the one rule for the CLI, batch-ray and the output
# writers. A .json file is JSON Lines too (one object a line), as most news feeds and exports write it.
TABLE_SUFFIXES = {".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl", ".csv": "csv", ".parquet": "parquet"}
MAX_INPUT_BYTES = 20_000_000  # larger inputs are refused before they are read whole
URL_TIMEOUT_S = 20


@dataclass(frozen=True)
class Item:
    id: str
    load: Callable[[], str]  # returns the article text; raises InputError


def content_id(text: str) -> str:
    return "sha256:" + hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def decode(data: bytes, origin: str) -> str:
    """Decode UTF-8 (with or without BOM) or UTF-16 with BOM; anything else is an InputError."""
    encoding = "utf-16" if data.startswith((b"\xff\xfe", b"\xfe\xff")) else "utf-8-sig"
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise InputError(f"{origin}: not UTF-8 or UTF-16 text (undecodable byte 0x{data[exc.start]:02x} at "
                         f"offset {exc.start}); save it as UTF-8") from None
    if "\x00" in text:
        raise InputError(f"{origin}: looks like a binary file (it holds NUL characters), not an article")
    return text


def extract_html(html: str, origin: str) -> str:
    """The main article text of an HTML page (trafilatura), without menus, scripts or footers."""
    import trafilatura

    text = trafilatura.extract(html, include_comments=False, include_tables=False, favor_recall=True)
    if not text or not text.strip():
        raise InputError(f"{origin}: no article text found in the HTML")
    return text


def _read_bytes(path: Path, limit: int | None = MAX_INPUT_BYTES) -> bytes:
    """A file's bytes (one article's file is size-limited, checked before reading); InputError when it cannot
    be had."""
    try:
        size = path.stat().st_size
        if limit is not None and size > limit:
            raise InputError(f"{path}: {size:,} bytes is over the {limit:,}-byte input limit")
        return path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror or exc})") from None


def _read_text(path: Path, limit: int | None = MAX_INPUT_BYTES) -> str:
    return decode(_read_bytes(path, limit), str(path))


def _read_file(path: Path) -> str:
    return file_text(_read_bytes(path), str(path))


def file_text(data: bytes, origin: str) -> str:
    """The article in a file's bytes: decoded, and its main text where `origin` names an HTML file."""
    if len(data) > MAX_INPUT_BYTES:
        raise InputError(f"{origin}: {len(data):,} bytes is over the {MAX_INPUT_BYTES:,}-byte input limit")
    text = decode(data, origin)
    return extract_html(text, origin) if Path(origin).suffix.lower() in HTML_SUFFIXES else text


def fetch_url(url: str) -> str:
    """Download a page (size- and time-limited) and extract its article text."""
    import urllib.error
    import urllib.request

    from ..version import __version__

    request = urllib.request.Request(url, headers={"User-Agent": f"multilingual-summarizer/{__version__}"})
    try:
        with urllib.request.urlopen(request, timeout=URL_TIMEOUT_S) as response:
            data = response.read(MAX_INPUT_BYTES + 1)
            charset = response.headers.get_content_charset()
            kind = response.headers.get_content_type()
    except urllib.error.HTTPError as exc:
        raise InputError(f"{url}: cannot be fetched (HTTP {exc.code} {exc.reason})") from None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise InputError(f"{url}: cannot be fetched ({getattr(exc, 'reason', exc)})") from None
    if len(data) > MAX_INPUT_BYTES:
        raise InputError(f"{url}: the page is over the {MAX_INPUT_BYTES:,}-byte input limit")
    try:
        text = data.decode(charset) if charset else decode(data, url)
    except (LookupError, UnicodeDecodeError):
        raise InputError(f"{url}: the page is not valid {charset} text") from None
    return text if kind == "text/plain" else extract_html(text, url)


def _fixed(text: str) -> Callable[[], str]:
    return lambda: text


def _failing(message: str) -> Callable[[], str]:
    def load() -> str:
        raise InputError(message)

    return load


def table_kind(path: str | Path) -> str | None:
    """"jsonl", "csv" or "parquet" for a table of articles (by its suffix), else None."""
    return TABLE_SUFFIXES.get(Path(path).suffix.lower())


def json_array(path: Path) -> InputError:
    """The error for a .json table that is one JSON array: tables are JSON Lines, whatever their suffix."""
    return InputError(f"{path}: holds a JSON array; tables are read as JSON Lines (one object per line), e.g. "
                      "write it with `jq -c '.[]' FILE > FILE.jsonl`")


def _jsonl_items(path: Path, text_field: str, id_field: str) -> Iterable[Item]:
    try:
        lines = _read_text(path, limit=None).splitlines()  # a feed of many articles
    except InputError as exc:
        yield Item(str(path), _failing(str(exc)))
        return
    if next((line for line in lines if line.strip()), "").lstrip().startswith("["):
        raise json_array(path)
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        try:
            record = json.loads(line)
        except ValueError as exc:
            yield Item(where, _failing(f"{where}: not valid JSON ({exc})"))
            continue
        if not isinstance(record, dict):
            yield Item(where, _failing(f"{where}: a JSON object was expected"))
            continue
        item_id = str(record[id_field]) if record.get(id_field) not in (None, "") else where
        text = record.get(text_field)
        if not isinstance(text, str):
            fields = ", ".join(record) or "none"
            yield Item(item_id, _failing(f"{where}: no text field {text_field!r} (fields: {fields}); "
                                         "choose one with --text-field"))
            continue
        yield Item(item_id, _fixed(text))


def _csv_items(path: Path, text_field: str, id_field: str) -> Iterable[Item]:
    try:
        content = _read_text(path, limit=None)
    except InputError as exc:
        yield Item(str(path), _failing(str(exc)))
        return
    reader = csv.DictReader(io.StringIO(content, newline=""))
    columns = reader.fieldnames or []
    if text_field not in columns:
        raise InputError(f"{path}: no column {text_field!r} (columns: {', '.join(columns) or 'none'}); "
                         "choose one with --text-field")
    for row in reader:
        where = f"{path}:{reader.line_num}"
        item_id = row.get(id_field) or where
        yield Item(str(item_id), _fixed(row.get(text_field) or ""))


def _parquet_items(path: Path, text_field: str, id_field: str) -> Iterable[Item]:
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise InputError(f"{path}: reading Parquet needs pyarrow: pip install pyarrow (the ray extra has it)") from None
    try:
        table = pq.read_table(path)
    except (OSError, ValueError) as exc:
        yield Item(str(path), _failing(f"{path}: not a readable Parquet file ({exc})"))
        return
    if text_field not in table.column_names:
        raise InputError(f"{path}: no column {text_field!r} (columns: {', '.join(table.column_names)}); "
                         "choose one with --text-field")
    ids = table[id_field].to_pylist() if id_field in table.column_names else [None] * table.num_rows
    for number, (item_id, text) in enumerate(zip(ids, table[text_field].to_pylist(), strict=True), start=1):
        where = f"{path}:{number}"
        item_id = str(item_id) if item_id not in (None, "") else where
        yield Item(item_id, _fixed(text) if isinstance(text, str) else
                   _failing(f"{where}: no text in column {text_field!r}"))


def collect(paths: Iterable[str], *, glob: str | None = None, text_field: str = "text",
            id_field: str = "id") -> list[Item]:
    """Turn command-line inputs into items, in order, with unique ids."""
    items: list[Item] = []
    for raw in paths:
        if raw == "-":
            text = sys.stdin.read()
            items.append(Item(content_id(text), _fixed(text)))
        elif raw.startswith(("http://", "https://")):
            items.append(Item(raw, lambda url=raw: fetch_url(url)))
        else:
            items.extend(_path_items(Path(raw), glob, text_field, id_field))
    return _unique(items)


def _path_items(path: Path, glob: str | None, text_field: str, id_field: str) -> Iterable[Item]:
    if path.is_dir():
        for file in folder_files(path, glob):
            yield Item(str(file), lambda file=file: _read_file(file))
        return
    kind = table_kind(path) if path.is_file() else None
    if kind is not None:
        reader = {"jsonl": _jsonl_items, "csv": _csv_items, "parquet": _parquet_items}[kind]
        yield from reader(path, text_field, id_field)
    elif path.exists():
        yield Item(str(path), lambda: _read_file(path))
    else:
        yield Item(str(path), _failing(f"{path}: no such file or folder"))


def folder_files(folder: Path, glob: str | None = None) -> list[Path]:
    """The files of a folder (recursively) that are articles: text and HTML, or those matching `glob`."""
    return sorted(p for p in folder.rglob(glob or "*") if p.is_file() and (glob or p.suffix.lower() in
                                                                           ARTICLE_SUFFIXES))


def _unique(items: list[Item]) -> list[Item]:
    """Give repeated ids a #2, #3 ... suffix so that every row can be told apart (and ids valid UTF-8)."""
    seen: dict[str, int] = {}
    unique = []
    for item in items:
        item = Item(replace_surrogates(item.id), item.load)
        count = seen.get(item.id, 0) + 1
        seen[item.id] = count
        unique.append(item if count == 1 else Item(f"{item.id}#{count}", item.load))
    return unique
