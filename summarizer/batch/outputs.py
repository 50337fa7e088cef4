"""Batch output files that survive a crash: JSONL, CSV, Markdown and Parquet.

Rows are written whole and flushed to disk per batch. On start a writer reads
the ids already in the file (so a re-run skips them) and cuts off a trailing
partial row left by a killed process, so no row is lost or repeated.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from ..errors import InputError, SummarizerError
from ..evidence.support import support_words
from ..request import Request
from ..result import Summary
from .inputs import table_kind

if TYPE_CHECKING:
    from ..pipeline.summarizer import Summarizer
    from .inputs import Item

# The fields of an output row, in order: `make_row`, the CSV columns, the Parquet schema and
# `read_parquet_rows` all follow this one list. Every field but `id` and `error` is the Summary's own.
# `evidence` (language -> `Evidence.to_dict()`) is in JSONL rows, and in Parquet as a JSON string; a CSV line
# leaves it out (too big for a cell: each summary's support score is in the Markdown report).
ROW_FIELDS = ("id", "source_language", "summaries", "models", "chunks", "warnings", "language_warnings", "faithful",
              "errors", "made", "evidence", "error")
JSON_IN_PARQUET = ("made", "evidence")  # nested per language: a JSON string in a Parquet column
NOT_IN_CSV = ("summaries", "evidence")  # summaries have a column per language
MAP_FIELDS = ("summaries", "models", "language_warnings", "faithful", "errors")  # language -> value
FORMATS = ("jsonl", "csv", "md", "parquet")
_MD_MARKER = "<!-- summarize row "
_EMPTY = {"source_language": None, "summaries": {}, "models": {}, "chunks": 0, "warnings": [],
          "language_warnings": {}, "faithful": {}, "errors": {}, "made": {}, "evidence": {}}


class Outcome(NamedTuple):
    row: dict[str, Any]
    result: Summary | SummarizerError


def make_row(item_id: str, result: Summary | Exception) -> dict[str, Any]:
    """One output row: the result's fields, or an error (one line) with empty results."""
    if isinstance(result, Summary):
        row = {"id": item_id, **{name: getattr(result, name) for name in ROW_FIELDS[1:-1]}, "error": None}
        row["evidence"] = {lang: dataclasses.asdict(found) if dataclasses.is_dataclass(found) else found
                           for lang, found in result.evidence.items()}
        return row
    return {"id": item_id, **_EMPTY, "error": " ".join(str(result).split()) or type(result).__name__}


def summarize_items(summarizer: Summarizer, items: Sequence[Item]) -> list[Outcome]:
    """Each item's row and result, in order: items that cannot be read or summarised get error rows.

    The one place where batch rows are made: the local CLI and the Ray actors both call it. Each item is a
    `Request` with the options of the summariser's `Config.options`, and all are summarised together.
    """
    results: dict[str, Summary | SummarizerError] = {}
    requests: dict[str, Request] = {}
    for item in items:
        try:
            requests[item.id] = Request(text=item.load())
        except SummarizerError as exc:
            results[item.id] = exc
    results.update(zip(requests, summarizer.summarize_requests(list(requests.values())), strict=True))
    return [Outcome(make_row(item.id, results[item.id]), results[item.id]) for item in items]


def failed(row: dict[str, Any]) -> bool:
    """The item failed, or one of its languages did."""
    return bool(row["error"] or row.get("errors"))


def format_for(path: str | None, explicit: str | None) -> str:
    if explicit:
        return explicit
    kind = table_kind(path) if path else None  # the input tables' rule: .json is JSON Lines, as read
    if kind is not None:
        return kind
    if path and Path(path).suffix.lower() in (".md", ".markdown"):
        return "md"
    raise InputError(f"Cannot tell the output format from {path!r}: use a .jsonl, .csv, .md or .parquet name, "
                     "or --format.")


class RowWriter:
    """Appends rows to a file, one whole row at a time; subclasses define the encoding."""

    def __init__(self, path: str | Path, *, overwrite: bool = False):
        self.path = Path(path)
        self.done: set[str] = set()
        if overwrite or not self.path.exists():
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.path.write_bytes(b"")
        else:
            self._recover()
        self._handle = self.path.open("a", encoding="utf-8", newline="")

    def _recover(self) -> None:
        """Cut off a partial trailing row and collect the ids already written."""
        data = self.path.read_bytes()
        keep = self._complete_prefix(data)
        if keep < len(data):
            with self.path.open("r+b") as handle:
                handle.truncate(keep)
        self.done = self._ids(data[:keep].decode("utf-8", errors="replace"))

    def _complete_prefix(self, data: bytes) -> int:
        """Bytes of `data` made of whole rows (by default: up to the last newline)."""
        return data.rfind(b"\n") + 1

    def _ids(self, text: str) -> set[str]:
        raise NotImplementedError

    def _encode(self, row: dict[str, Any]) -> str:
        raise NotImplementedError

    def write(self, rows: list[dict[str, Any]]) -> None:
        """Append whole rows and push them to disk before returning."""
        if not rows:
            return
        self._handle.write("".join(self._encode(row) for row in rows))
        self._handle.flush()
        os.fsync(self._handle.fileno())
        self.done.update(row["id"] for row in rows)

    def close(self) -> None:
        self._handle.close()


class JsonlWriter(RowWriter):
    def _ids(self, text: str) -> set[str]:
        ids = set()
        for line in text.splitlines():
            try:
                ids.add(str(json.loads(line)["id"]))
            except (ValueError, KeyError, TypeError):
                continue
        return ids

    def _encode(self, row: dict[str, Any]) -> str:
        return json.dumps(row, ensure_ascii=False) + "\n"


class CsvWriter(RowWriter):
    """One row per line: summaries in one column per language, lists and maps as JSON."""

    def __init__(self, path: str | Path, languages: list[str], *, overwrite: bool = False):
        self.columns = ["id", "source_language", "summary_source", *(f"summary_{lang}" for lang in languages),
                        *(name for name in ROW_FIELDS[2:] if name not in NOT_IN_CSV)]
        self._languages = len(languages)
        super().__init__(path, overwrite=overwrite)
        if self.path.stat().st_size == 0:
            self._handle.write(self._line(self.columns))
            self._handle.flush()

    def _ids(self, text: str) -> set[str]:
        rows = list(csv.reader(io.StringIO(text)))
        if rows and rows[0] != self.columns:
            raise InputError(f"{self.path} has columns {', '.join(rows[0])}; this run writes "
                             f"{', '.join(self.columns)}. Use another -o, or --overwrite to start over.")
        return {row[0] for row in rows[1:] if row}

    @staticmethod
    def _line(values: list[Any]) -> str:
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerow(values)
        return out.getvalue()

    def _encode(self, row: dict[str, Any]) -> str:
        summaries = dict(row["summaries"])
        source = summaries.get(row["source_language"], "") if row["source_language"] else ""
        values = [row["id"], row["source_language"] or "", source]
        values += [summaries.get(column.removeprefix("summary_"), "") for column in self.columns[3:3 + self._languages]]
        for name in (name for name in ROW_FIELDS[3:] if name not in NOT_IN_CSV):
            value = row[name]
            values.append(value if name == "chunks" else (value or "") if name == "error" else
                          json.dumps(value, ensure_ascii=False))
        return self._line([" ".join(str(v).split()) for v in values])  # one physical line per row


class MarkdownWriter(RowWriter):
    """A readable report; each article's block ends with a marker line that carries its id."""

    def _complete_prefix(self, data: bytes) -> int:
        end = data.rfind(_MD_MARKER.encode())
        return 0 if end < 0 else data.index(b"\n", end) + 1

    def _ids(self, text: str) -> set[str]:
        ids = set()
        for line in text.splitlines():
            if line.startswith(_MD_MARKER) and line.endswith(" -->"):
                try:
                    ids.add(str(json.loads(line[len(_MD_MARKER):-4])["id"]))
                except (ValueError, KeyError, TypeError):
                    continue
        return ids

    def _encode(self, row: dict[str, Any]) -> str:
        title = " ".join(str(row["id"]).split()).replace("`", "'")
        lines = [f"## `{title}`", ""]
        if row["error"]:
            lines += [f"**Error:** {row['error']}", ""]
        else:
            lines += [f"Language: {row['source_language']} · chunks: {row['chunks']}", ""]
            for lang, text in row["summaries"].items():
                mark = "" if row["faithful"].get(lang, True) else " ⚠ failed the faithfulness check"
                found = row.get("evidence", {}).get(lang)
                support = f" · {support_words(found['score'], found.get('compared', 1))}" if found else ""
                lines += [f"**{lang}** ({' > '.join(row['models'][lang])}{support}){mark}: {text}", ""]
            lines += [f"**{lang}**: error: {message}" for lang, message in row["errors"].items()]
            lines += [f"> warning: {warning}" for warning in row["warnings"]]
            lines += [f"> warning ({lang}): {warning}" for lang, notes in row["language_warnings"].items()
                      for warning in notes if not warning.startswith("error: ")]
        marker = json.dumps({"id": row["id"]}, ensure_ascii=False).replace("-->", "--\\u003e")
        lines += ["", f"{_MD_MARKER}{marker} -->", ""]
        return "\n".join(lines)


class ParquetWriter:
    """A folder of Parquet part files, one per written batch, each renamed into place whole.

    Columns are the row's fields with their own types (summaries a map of language to text, and so on);
    `evidence` is a JSON string (language -> `Evidence.to_dict()`), which `read_parquet_rows` reads back.
    """

    def __init__(self, path: str | Path, *, overwrite: bool = False):
        try:
            import pyarrow as pa
            import pyarrow.parquet as pq
        except ImportError:
            raise InputError("Parquet output needs pyarrow: pip install pyarrow (the ray extra has it)") from None
        self.pa, self.pq = pa, pq
        self.path = Path(path)
        if self.path.exists() and not self.path.is_dir():
            raise InputError(f"{self.path} is a file; Parquet output is a folder of part files")
        if overwrite and self.path.is_dir():
            for part in self.path.glob("part-*.parquet"):
                part.unlink()
        self.path.mkdir(parents=True, exist_ok=True)
        for leftover in self.path.glob("*.parquet.tmp"):  # a part a killed run did not finish
            leftover.unlink()
        parts = sorted(self.path.glob("part-*.parquet"))
        self.done: set[str] = set()
        for part in parts:
            self.done.update(pq.read_table(part, columns=["id"])["id"].to_pylist())
        self._next = len(parts)
        text, texts = pa.string(), pa.list_(pa.string())
        types = {"id": text, "source_language": text, "summaries": pa.map_(text, text),
                 "models": pa.map_(text, texts), "chunks": pa.int64(), "warnings": texts,
                 "language_warnings": pa.map_(text, texts), "faithful": pa.map_(text, pa.bool_()),
                 "errors": pa.map_(text, text), "made": text, "evidence": text, "error": text}
        self.schema = pa.schema([(name, types[name]) for name in ROW_FIELDS])

    def write(self, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        columns = {name: [row[name] for row in rows] for name in ROW_FIELDS}
        for name in MAP_FIELDS:
            columns[name] = [list(value.items()) for value in columns[name]]
        for name in JSON_IN_PARQUET:
            columns[name] = [json.dumps(value, ensure_ascii=False) for value in columns[name]]
        table = self.pa.table(columns, schema=self.schema)
        part = self.path / f"part-{self._next:06d}.parquet"
        tmp = part.with_name(part.name + ".tmp")
        self.pq.write_table(table, tmp)
        with tmp.open("rb") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, part)
        self._next += 1
        self.done.update(row["id"] for row in rows)

    def close(self) -> None:
        pass


def read_parquet_rows(path: str | Path) -> list[dict[str, Any]]:
    """The rows of a Parquet output folder, in written order, as the JSONL writer would hold them."""
    import pyarrow.parquet as pq

    rows = []
    for part in sorted(Path(path).glob("part-*.parquet")):
        for row in pq.read_table(part).to_pylist():
            for name in MAP_FIELDS:
                row[name] = dict(row[name])
            for name in JSON_IN_PARQUET:
                row[name] = json.loads(row[name]) if row.get(name) else {}
            rows.append(row)
    return rows


def open_writer(path: str, fmt: str, languages: list[str], *, overwrite: bool) -> RowWriter | ParquetWriter:
    if fmt == "parquet":
        return ParquetWriter(path, overwrite=overwrite)
    if fmt == "csv":
        return CsvWriter(path, languages, overwrite=overwrite)
    return (MarkdownWriter if fmt == "md" else JsonlWriter)(path, overwrite=overwrite)
