"""Batch summarisation on a Ray cluster: Ray Data reads, a pool of actors summarises, this process writes.

    summarize batch-ray articles.jsonl -o summaries.jsonl --to fr,de [--address HOST:PORT] [--actors 4]

Each actor builds one `Summarizer` (so each loads its models once) and turns a
batch of articles into rows with `outputs.summarize_items`, the function the
local CLI uses: the rows, per-row errors included, are the local CLI's. Rows
stream back to this process, which writes them with the same crash-safe
writers, so a re-run skips the ids that are already in the output.

Inputs: JSONL, Parquet and CSV files (an id column and a text column), or
folders of .txt/.md/.html files (the id is the file's path). Needs the `ray`
extra: ``pip install -e ".[ray]"``; every node of a cluster needs this package
installed.
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..config import Config
from ..errors import ClusterError, InputError
from ..text.splitting import replace_surrogates
from .inputs import ARTICLE_SUFFIXES, Item, content_id, file_text, folder_files, json_array, table_kind


@dataclass(frozen=True)
class RayBatch:
    """What to summarise and how: everything an actor needs to build the local CLI's `Summarizer`."""

    config: Config  # its options say the languages and the rest of each request
    text_field: str = "text"
    id_field: str = "id"
    glob: str | None = None  # in folders, only files matching this pattern


def input_kind(paths: Sequence[str]) -> str:
    """"jsonl", "parquet", "csv" or "files", the same for every input (Ray reads one kind per dataset); tables
    are told by `inputs.table_kind`, the local CLI's rule."""
    kinds = set()
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            kinds.add("files")
        elif path.is_file() and table_kind(path):
            kinds.add(table_kind(path))
        elif path.is_file() and path.suffix.lower() in ARTICLE_SUFFIXES:
            kinds.add("files")
        else:
            raise InputError(f"{raw}: not a folder, table (.jsonl, .json, .csv, .parquet) or article file (or it "
                             "does not exist)")
    if len(kinds) != 1:
        raise InputError(f"batch-ray reads one kind of input at a time; these are {', '.join(sorted(kinds))}")
    return kinds.pop()


def read_dataset(paths: Sequence[str], kind: str, job: RayBatch):
    """A Ray dataset with an `id` column (string) and either `text` or the file's `bytes`."""
    import ray.data

    paths = [str(Path(p).resolve()) for p in paths]
    light = {"num_cpus": 0}  # reading is light: it must not wait for CPUs that the summarising actors hold
    if kind == "files":  # the files the local CLI would read, listed here with its rule
        files = [str(f.resolve()) for p in paths for f in (folder_files(Path(p), job.glob) if Path(p).is_dir()
                                                           else [Path(p)])]
        if not files:
            raise InputError(f"{', '.join(paths)}: no article files" + (f" match {job.glob!r}" if job.glob else ""))
        return ray.data.read_binary_files(files, include_paths=True, **light) \
            .map_batches(_file_ids, batch_format="pyarrow", **light)
    reader = {"jsonl": lambda: ray.data.read_json(paths, lines=True, **light),
              "parquet": lambda: ray.data.read_parquet(paths, **light),
              "csv": lambda: ray.data.read_csv(paths, convert_options=_csv_as_text(job), **light)}[kind]
    columns = _columns(Path(paths[0]), kind)
    if job.text_field not in columns:
        raise InputError(f"{', '.join(paths)}: no column {job.text_field!r} (columns: {', '.join(columns)}); "
                         "choose one with --text-field")
    return reader().map_batches(_table_ids, batch_format="pyarrow", num_cpus=0,
                               fn_kwargs={"text_field": job.text_field, "id_field": job.id_field})


def _columns(path: Path, kind: str) -> list[str]:
    """The columns of a table file, read here from its head (asking Ray would read the whole input once more)."""
    if kind == "parquet":
        import pyarrow.parquet as pq

        return list(pq.read_schema(path).names)
    with path.open(encoding="utf-8-sig", newline="") as handle:
        if kind == "csv":
            import csv

            return next(csv.reader(handle), [])
        for line in handle:
            if line.lstrip().startswith("["):
                raise json_array(path)
            if line.strip():
                try:
                    record = json.loads(line)
                except ValueError as exc:
                    raise InputError(f"{path}: the first row is not valid JSON ({exc})") from None
                return list(record) if isinstance(record, dict) else []
    return []


def _csv_as_text(job: RayBatch):
    """Read the id and text columns as text, as the local CLI does (Arrow would make "007" the number 7)."""
    import pyarrow as pa
    import pyarrow.csv

    return pyarrow.csv.ConvertOptions(column_types={job.id_field: pa.string(), job.text_field: pa.string()})


def _file_ids(table):
    import pyarrow as pa

    return pa.table({"id": table["path"], "bytes": table["bytes"]})


def _table_ids(table, text_field: str, id_field: str):
    """`id` (the id column as text, or the text's content hash where there is none) and `text`."""
    import pyarrow as pa

    texts = [t if isinstance(t, str) else None for t in table[text_field].to_pylist()]
    given = table[id_field].to_pylist() if id_field in table.column_names else [None] * len(texts)
    ids = [replace_surrogates(str(i)) if i not in (None, "") else content_id(t or "")
           for i, t in zip(given, texts, strict=True)]
    return pa.table({"id": pa.array(ids, pa.string()),
                     "text": pa.array(texts, pa.string())})


class SummarizeActor:
    """One per Ray actor: its own `Summarizer`, whose models load once and serve every batch it gets."""

    def __init__(self, job: RayBatch):
        from ..pipeline.summarizer import Summarizer

        self.job = job
        self.summarizer = Summarizer.from_config(job.config)

    def __call__(self, batch: dict[str, Any]) -> dict[str, list[str]]:
        from .outputs import summarize_items

        ids = [str(i) for i in batch["id"]]
        if "bytes" in batch:
            items = [Item(i, lambda data=data, origin=i: file_text(bytes(data), origin))
                     for i, data in zip(ids, batch["bytes"], strict=True)]
        else:
            items = [Item(i, _text_loader(text, i)) for i, text in zip(ids, batch["text"], strict=True)]
        outcomes = summarize_items(self.summarizer, items)
        return {"id": ids, "row": [json.dumps(outcome.row, ensure_ascii=False) for outcome in outcomes]}


def _text_loader(text: Any, item_id: str):
    def load() -> str:
        if not isinstance(text, str):
            raise InputError(f"{item_id}: no text (the text column is empty or not text)")
        return text

    return load


# Settings of this process that the actors need too: where models are, whether the hub may be asked.
FORWARDED_ENV = ("SUMMARIZER_MODELS_DIR", "HF_HUB_OFFLINE", "HF_HOME", "HF_HUB_CACHE", "HF_ENDPOINT", "HF_TOKEN")


class _OneLineErrors(logging.Filter):
    """Ray's errors on the terminal without their tracebacks: the command says what failed in one line
    (Ray's session log files keep the full trace)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.exc_info, record.exc_text, record.stack_info = None, None, None
        if isinstance(record.msg, str) and "Traceback (most recent call last)" in record.msg:
            record.msg = record.msg.split("Traceback (most recent call last)")[0].rstrip()
        return True


def _quiet_tracebacks() -> None:
    for name in ("ray", "ray.data"):
        for handler in logging.getLogger(name).handlers:
            if getattr(handler, "stream", None) is not None and not any(
                    isinstance(f, _OneLineErrors) for f in handler.filters):
                handler.addFilter(_OneLineErrors())


def connect(address: str | None, num_cpus: int | None = None) -> str:
    """Join the cluster at `address` (or $RAY_ADDRESS); without one, start a local cluster on this machine."""
    import ray
    import ray.data  # sets up its loggers, which _quiet_tracebacks adjusts

    _quiet_tracebacks()

    if ray.is_initialized():
        return "already connected"
    address = address or os.environ.get("RAY_ADDRESS") or None
    runtime_env = {"env_vars": {name: os.environ[name] for name in FORWARDED_ENV if name in os.environ}}
    if address:
        try:
            ray.init(address=address, runtime_env=runtime_env, log_to_driver=False)
        except (ConnectionError, ValueError, RuntimeError) as exc:
            auth = "" if os.environ.get("RAY_AUTH_MODE") else (
                " If the cluster uses token authentication (Ray's default), set RAY_AUTH_MODE=token: Ray does not "
                "send its token to an address given explicitly unless told to.")
            raise ClusterError(f"Could not join the Ray cluster at {address}: {str(exc).splitlines()[0]}.{auth} "
                               "Start a cluster with `ray start --head`, or leave out --address to start a local "
                               "one.") from None
        return f"connected to {address}"
    ray.init(num_cpus=num_cpus, include_dashboard=False, runtime_env=runtime_env, log_to_driver=False)
    return "started a local Ray cluster on this machine"


def run(paths: Sequence[str], job: RayBatch, writer, *, actors: int | None = None, cpus_per_actor: float = 1.0,
        gpus_per_actor: float = 0.0) -> tuple[int, int, int]:
    """Summarise every input whose id is not in `writer.done`; rows go to `writer`.

    Returns (articles in the input, articles skipped as already written, rows with an error).
    """
    import ray

    try:
        return _run(paths, job, writer, actors, cpus_per_actor, gpus_per_actor)
    except ray.exceptions.RayError as exc:  # a reader or an actor failed: one line, not Ray's traceback
        lines = [line.strip() for line in str(exc).splitlines()]
        cause = next((line for line in reversed(lines) if re.match(r"^[\w.]+(Error|Exception): ", line)),
                     lines[0] if lines else type(exc).__name__)
        raise ClusterError(f"The Ray job failed: {cause}. Ray's readers take whole files, so one malformed row "
                           "stops the job; the local `summarize` gives such a row an error row instead.") from None


def _run(paths: Sequence[str], job: RayBatch, writer, actors: int | None, cpus_per_actor: float,
         gpus_per_actor: float) -> tuple[int, int, int]:
    import ray
    import ray.data

    from .outputs import failed

    context = ray.data.DataContext.get_current()
    context.execution_options.preserve_order = True  # rows come back in input order, as in the local CLI
    kind = input_kind(paths)
    dataset = read_dataset(paths, kind, job)
    ids = [str(i) for i in dataset.select_columns(["id"]).to_pandas()["id"]]
    done = set(writer.done)
    skipped = sum(i in done for i in ids)
    if done:
        dataset = dataset.filter(lambda row: row["id"] not in done, num_cpus=0)
    if skipped == len(ids):
        return len(ids), skipped, 0
    if actors is None:
        cpus = ray.cluster_resources().get("CPU", 1)
        actors = max(1, int(cpus // max(cpus_per_actor, 1e-9)))
    results = dataset.map_batches(
        SummarizeActor, fn_constructor_kwargs={"job": job}, batch_size=job.config.batch_size,
        compute=ray.data.ActorPoolStrategy(size=actors), num_cpus=cpus_per_actor, num_gpus=gpus_per_actor or None,
        batch_format="numpy")
    errors = 0
    for batch in results.iter_batches(batch_size=None, batch_format="numpy"):
        rows = [json.loads(row) for row in batch["row"]]
        writer.write(rows)
        errors += sum(failed(row) for row in rows)
    return len(ids), skipped, errors


def batch_ray_command(argv: Sequence[str]) -> int:
    """summarize batch-ray INPUT... -o OUTPUT: the batch job on a Ray cluster."""
    import argparse
    import sys

    from ..config import add_run_flags, check_counts, config_from_args
    from ..languages import normalize_languages
    from ..pipeline.routing import Router
    from .outputs import format_for, open_writer

    parser = argparse.ArgumentParser(
        prog="summarize batch-ray", description="Summarise many articles on a Ray cluster (pip install -e '.[ray]'). "
        "Rows have the local CLI's schema; a re-run skips the ids already in the output.")
    parser.add_argument("paths", nargs="+", metavar="INPUT",
                        help="tables (.jsonl/.json JSON Lines, .parquet, .csv; one kind per run), or folders of "
                             ".txt/.md/.html files")
    add_run_flags(parser)
    output = parser.add_argument_group("output")
    output.add_argument("-o", "--output", required=True, metavar="OUTPUT",
                        help="a .jsonl file, or a .parquet folder (one part file per written batch)")
    output.add_argument("--overwrite", action="store_true", help="start the output over instead of resuming")
    output.add_argument("--quiet", action="store_true", help="no progress bars")
    cluster = parser.add_argument_group("cluster")
    cluster.add_argument("--address", help="Ray cluster to join, e.g. 10.0.0.5:6379 or auto "
                         "(default: $RAY_ADDRESS, else a local cluster is started)")
    cluster.add_argument("--actors", type=int,
                         help="summarising actors (default: the cluster's CPUs / --cpus-per-actor)")
    cluster.add_argument("--cpus-per-actor", type=float, default=1.0, help="CPUs each actor reserves (default: 1)")
    cluster.add_argument("--gpus-per-actor", type=float, default=0.0, help="GPUs each actor reserves (default: 0)")
    cluster.add_argument("--num-cpus", type=int, help="CPUs of the local cluster when one is started (default: all)")
    args = parser.parse_args(argv)
    check_counts(args, "actors")
    config = config_from_args(args)
    router = Router.build(config.preset, config.summarizer_model, config.translators)
    targets = normalize_languages(config.options.languages or (), router.supported(), config.max_languages)
    input_kind(args.paths)  # a usage error before the cluster starts
    try:
        import ray
    except ImportError:
        raise InputError("batch-ray needs Ray: pip install -e '.[ray]'") from None
    job = RayBatch(config=config, text_field=args.text_field, id_field=args.id_field, glob=args.glob)
    writer = open_writer(args.output, format_for(args.output, None), list(targets), overwrite=args.overwrite)
    try:
        print(f"ray: {connect(args.address, args.num_cpus)}", file=sys.stderr)
        if args.quiet:
            import ray.data

            ray.data.DataContext.get_current().enable_progress_bars = False
        total, skipped, errors = run(args.paths, job, writer, actors=args.actors, cpus_per_actor=args.cpus_per_actor,
                                     gpus_per_actor=args.gpus_per_actor)
    finally:
        writer.close()
    if skipped:
        print(f"resumed: {skipped} of {total} articles were already in {args.output}", file=sys.stderr)
    print(f"wrote {total - skipped} rows to {args.output}" + (f" ({errors} with errors)" if errors else ""),
          file=sys.stderr)
    return 1 if errors else 0
