"""Batch output files that survive a crash: JSONL, CSV and Markdown.

Rows are written whole and flushed to disk per batch. On start a writer reads
the ids already in the file (so a re-run skips them) and cuts off a trailing
partial row left by a killed process, so no row is lost or repeated.
"""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path
from typing import Any

from .errors import InputError
from .result import Summary

ROW_FIELDS = ("id", "source_language", "summaries", "models", "chunks", "warnings", "faithful", "errors", "error")
FORMATS = ("jsonl", "csv", "md")
_MD_MARKER = "<!-- summarize row "


def make_row(item_id: str, result: Summary | Exception) -> dict[str, Any]:
    """One output row: the result's fields, or an error (one line) with empty results."""
    if isinstance(result, Summary):
        return {"id": item_id, "source_language": result.source_language, "summaries": result.summaries,
                "models": result.models, "chunks": result.chunks, "warnings": result.warnings,
                "faithful": result.faithful, "errors": result.errors, "error": None}
    message = " ".join(str(result).split()) or type(result).__name__
    return {"id": item_id, "source_language": None, "summaries": {}, "models": {}, "chunks": 0, "warnings": [],
            "faithful": {}, "errors": {}, "error": message}


def failed(row: dict[str, Any]) -> bool:
    """The item failed, or one of its languages did."""
    return bool(row["error"] or row.get("errors"))


def format_for(path: str | None, explicit: str | None) -> str:
    if explicit:
        return explicit
    suffix = Path(path).suffix.lower().lstrip(".") if path else ""
    if suffix in ("jsonl", "ndjson", "json"):
        return "jsonl"
    if suffix in ("csv", "md"):
        return suffix
    if suffix == "markdown":
        return "md"
    raise InputError(f"Cannot tell the output format from {path!r}: use a .jsonl, .csv or .md name, or --format.")


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
                        "models", "chunks", "warnings", "faithful", "errors", "error"]
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
        values += [summaries.get(column.removeprefix("summary_"), "") for column in self.columns[3:-6]]
        values += [json.dumps(row["models"], ensure_ascii=False), row["chunks"],
                   json.dumps(row["warnings"], ensure_ascii=False), json.dumps(row["faithful"]),
                   json.dumps(row["errors"], ensure_ascii=False), row["error"] or ""]
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
                lines += [f"**{lang}** ({' > '.join(row['models'][lang])}){mark}: {text}", ""]
            lines += [f"**{lang}**: error: {message}" for lang, message in row["errors"].items()]
            lines += [f"> warning: {warning}" for warning in row["warnings"]]
        marker = json.dumps({"id": row["id"]}, ensure_ascii=False).replace("-->", "--\\u003e")
        lines += ["", f"{_MD_MARKER}{marker} -->", ""]
        return "\n".join(lines)


def open_writer(path: str, fmt: str, languages: list[str], *, overwrite: bool) -> RowWriter:
    if fmt == "csv":
        return CsvWriter(path, languages, overwrite=overwrite)
    return (MarkdownWriter if fmt == "md" else JsonlWriter)(path, overwrite=overwrite)
