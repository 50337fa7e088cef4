"""The `summarize` command: one grammar, subcommands, `summarize FILE` as the default.

    summarize ARTICLE.txt --to fr,de,es          # the same as: summarize run ARTICLE.txt ...
    summarize download --preset default --to fr,de,es
    summarize models
    summarize eval DATA.jsonl --preset extractive
    summarize check ARTICLE.txt SUMMARY.txt      # evidence for any summary, as JSON
    summarize batch-ray feed.jsonl -o out.jsonl --to fr
    summarize serve --port 7860

Each command lives next to the function it exposes: `run`, `models`, `download` and `check` here (they call
`Summarizer.summarize_requests`, the registry, `models.hub.download` and `evidence.support.evidence`), `eval` in
cli/evaluate.py, `batch-ray` in batch/on_ray.py, `serve` in server/run.py; the flag groups they share are
generated from `Config`'s fields in config.py (and `ServerSettings`' in server/settings.py).
Errors the user can fix are one line: exit 2 for usage, 1 for failures.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from collections.abc import Sequence

from ..batch.outputs import FORMATS, summarize_items
from ..batch.outputs import failed as row_failed
from ..config import Config, add_model_flags, add_run_flags, config_from_args
from ..errors import InputError, ModelLoadError, SummarizerError, TooLongError
from ..evidence.support import support_words
from ..models.hub import missing_sentence
from ..models.registry import PRESETS
from ..result import describe_made
from ..version import __version__

# command -> (module, function): imported only when that command runs
COMMANDS = {
    "run": ("summarizer.cli.main", "run_command"),
    "download": ("summarizer.cli.main", "download_command_line"),
    "models": ("summarizer.cli.main", "models_command"),
    "check": ("summarizer.cli.main", "check_command"),
    "eval": ("summarizer.cli.evaluate", "eval_command"),
    "batch-ray": ("summarizer.batch.on_ray", "batch_ray_command"),
    "serve": ("summarizer.server.run", "serve_command"),
}


def run_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="summarize", formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Summarise news articles and translate the summaries.",
        epilog="other commands (see `summarize COMMAND --help`):\n"
               "  download    fetch the models a preset needs into the model store\n"
               "  models      list presets, routes and models, and what is present\n"
               "  check       the evidence for a summary of an article (any system's), as JSON\n"
               "  eval        score summaries (ROUGE, support) and translations (chrF, BLEU) against references\n"
               "  batch-ray   summarise many articles on a Ray cluster\n"
               "  serve       the web page and the JSON API\n\n"
               "`summarize INPUT ...` is short for `summarize run INPUT ...`. An input named like a command is\n"
               "read as that command: write `summarize run models` (or `summarize ./models`) to summarise a\n"
               "file called models.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("paths", nargs="+", metavar="INPUT",
                        help=".txt/.md/.html files, folders, tables (.jsonl/.json JSON Lines, .csv, .parquet), "
                             "http(s) URLs, or - for stdin")
    add_run_flags(parser)
    output = parser.add_argument_group("output")
    output.add_argument("-o", "--output", metavar="FILE",
                        help="write rows here (.jsonl or .json: JSON Lines, .csv, .md, or a .parquet folder, which "
                             "needs pyarrow); a re-run resumes where it stopped")
    output.add_argument("--format", choices=[*FORMATS, "text"],
                        help="output format (default: from -o's extension; text for one article, else jsonl)")
    output.add_argument("--overwrite", action="store_true", help="start -o over instead of resuming")
    output.add_argument("--quiet", action="store_true", help="no progress bar")
    output.add_argument("--evidence", action="store_true",
                        help="in text output, under each summary sentence the article sentences behind it "
                             "(numbered from 1) and the words nothing in the article supports, with the reason "
                             "(JSONL and Parquet rows always carry the evidence)")
    return parser


def evidence_lines(found: dict | None) -> list[str]:
    """A summary's evidence (`Evidence.to_dict()`) as indented lines: each sentence, the article sentence numbers
    behind it (from 1), what nothing supports."""
    if not found:
        return ["    evidence: none (turned off, or the summary failed)"]
    lines = [f"    {support_words(found['score'], found.get('compared', 1))} ({found['method']}); article sentences "
             "numbered from 1:"]
    for number, sentence in enumerate(found["sentences"], start=1):
        behind = ", ".join(str(source["sentence"] + 1) for source in sentence["sources"]) or "none"
        copied = ", copied" if sentence["copied"] else ""
        lines.append(f"    {number}. {sentence['text']}")
        support = support_words(sentence["score"], sentence.get("compared", 1))
        lines.append(f"       article sentences: {behind} ({support}{copied})")
        lines += [f"       unsupported: {item['text']!r}: {item['reason']}" for item in sentence["unsupported"]]
    return lines


def print_text(row: dict, evidence: bool = False) -> None:
    """One row, readably: each language's summary and models, its own warnings beneath it (with `evidence`, the
    article sentences behind each summary sentence)."""
    if row["error"]:
        print(f"# {row['id']}\nerror: {row['error']}\n")
        return
    print(f"# {row['id']} (language: {row['source_language']}, chunks: {row['chunks']})")
    notes = row["language_warnings"]
    for lang, summary in row["summaries"].items():
        mark = "" if row["faithful"].get(lang, True) else "  (failed the faithfulness check)"
        print(f"\n[{lang}] {summary}\n    models: {' > '.join(row['models'][lang])}{mark}")
        if lang in row.get("made", {}):
            print(f"    made: {describe_made(row['made'][lang])}")
        if evidence:
            print("\n".join(evidence_lines(row.get("evidence", {}).get(lang))))
        for note in notes.get(lang, []):
            print(f"    warning: {note}")
    for lang, message in row["errors"].items():
        print(f"\n[{lang}] error: {message}")
    for warning in row["warnings"]:
        print(f"warning: {warning}")
    print()


def run_command(argv: Sequence[str]) -> int:
    """summarize [run] INPUT...: summarise files, folders, feeds, URLs or stdin."""
    from tqdm import tqdm

    from ..batch.inputs import collect
    from ..batch.outputs import format_for, open_writer
    from ..pipeline.summarizer import Summarizer

    args = run_parser().parse_args(argv)
    config = config_from_args(args)
    summarizer = Summarizer.from_config(config)
    targets = list(summarizer.targets())
    items = collect(args.paths, glob=args.glob, text_field=args.text_field, id_field=args.id_field)
    if args.output:
        fmt = format_for(args.output, args.format if args.format != "text" else None)
        writer = open_writer(args.output, fmt, targets, overwrite=args.overwrite)
        emit = writer.write
        todo = [item for item in items if item.id not in writer.done]
    else:
        fmt = args.format or ("text" if len(items) == 1 else "jsonl")
        if fmt not in ("text", "jsonl"):
            raise InputError(f"--format {fmt} needs -o FILE; on stdout the formats are text and jsonl.")
        writer, todo = None, items
        emit = (lambda rows: [print_text(row, args.evidence) for row in rows]) if fmt == "text" else \
            (lambda rows: print("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), end="",
                                flush=True))
    announce_missing(summarizer, targets)
    bar = tqdm(total=len(items), initial=len(items) - len(todo), unit="article", file=sys.stderr,
               disable=args.quiet or not sys.stderr.isatty(), dynamic_ncols=True)
    failed, sources = 0, set()  # the article languages met, for the fetch command
    try:
        for start in range(0, len(todo), config.batch_size):
            batch = todo[start:start + config.batch_size]
            outcomes = summarize_items(summarizer, batch)
            missing = [o.result for o in outcomes if isinstance(o.result, ModelLoadError)]
            if missing and len(missing) == len(outcomes):  # no model, no point going on: say what is missing
                bar.close()
                explain_missing(summarizer, targets, missing[0])
                return 1
            rows = [outcome.row for outcome in outcomes]
            emit(rows)
            failed += sum(row_failed(row) for row in rows)
            sources |= {row["source_language"] for row in rows if row["source_language"]}
            bar.update(len(rows))
    finally:
        bar.close()
        if writer:
            writer.close()
    if writer and len(items) > len(todo):
        print(f"resumed: {len(items) - len(todo)} of {len(items)} articles were already in {args.output}",
              file=sys.stderr)
    if failed:
        hint_missing(summarizer, targets, sorted(sources))
    return 1 if failed else 0


def announce_missing(summarizer, targets: list[str]) -> None:
    """Before anything is generated: the languages that cannot be made here, and what they need."""
    from ..request import with_source

    options = summarizer.config.options
    source = options.source_language or "en"
    gaps = summarizer.missing(list(with_source(source, tuple(targets), options.include_source)), source)
    if summarizer.config.extractive_fallback and summarizer.config.summarizer_model is None:  # replaced, not missing
        gaps = {lang: rest for lang, chain in gaps.items()
                if (rest := [name for name in chain if name != summarizer.router.summarizer_model])}
    if not gaps:
        return
    names = list(dict.fromkeys(name for chain in gaps.values() for name in chain))
    print(f"note: for {source} articles, {', '.join(gaps)} cannot be made here: "
          + "; ".join(f"{lang} needs {', '.join(chain)}" for lang, chain in gaps.items())
          + f". Those languages will be errors; the others go on. They need {missing_sentence(names)}",
          file=sys.stderr)


def hint_missing(summarizer, targets: list[str], sources: list[str]) -> None:
    """Where this run's models are not all here (and the hub cannot be reached), the one command that fetches
    every model it needs, from what the route needs and the store holds (no message is searched)."""
    from ..pipeline.availability import absent

    if _hub():
        return
    missing = absent(summarizer.router.required(targets, sources))
    if not missing:
        return
    print(f"This run needs {missing_sentence(missing)}", file=sys.stderr)


def _hub() -> bool:
    from ..models.hub import hub_reachable

    return hub_reachable()


def explain_missing(summarizer, targets: list[str], error: Exception) -> None:
    """Say, without loading anything, what the run would have used and how to fetch it."""
    from ..languages import normalize_language
    from ..models.hub import hub_reachable
    from ..pipeline.availability import absent
    from ..request import with_source

    options = summarizer.config.options
    print(f"error: {error}", file=sys.stderr)
    if getattr(error, "fetch", None):
        print(f"  Fetch it (on a machine with network access) with: {error.fetch}", file=sys.stderr)
    source = normalize_language(options.source_language) if options.source_language else "en"
    plan = summarizer.plan(list(with_source(source, tuple(targets), options.include_source)), source).chains
    print(f"  article language: {source}; the summaries need:", file=sys.stderr)
    for lang, chain in plan.items():
        print(f"    {lang}: {' > '.join(chain)}", file=sys.stderr)
    missing = absent(name for chain in plan.values() for name in chain)
    if missing and not hub_reachable():
        print(f"  The summaries need {missing_sentence(missing)}", file=sys.stderr)


def download_command_line(argv: Sequence[str]) -> int:
    """summarize download: fetch the models a preset and its languages need into the model store."""
    from ..languages import normalize_languages
    from ..models.hub import download
    from ..pipeline.routing import Router

    parser = argparse.ArgumentParser(prog="summarize download",
                                     description="Fetch the models a preset and its languages need into the "
                                                 "model store (see `summarize models`).")
    parser.add_argument("--to", default="", help="comma-separated target languages (default: the summariser only)")
    parser.add_argument("--source-language", default="",
                        help="comma-separated article languages to read (adds the models translating them)")
    parser.add_argument("--model", action="append", default=[], help="fetch this registry name or hub id too")
    add_model_flags(parser, runtime=False)
    args = parser.parse_args(argv)
    config = config_from_args(args)
    router = Router.build(config.preset, config.summarizer_model, config.translators)
    targets = normalize_languages(args.to) if args.to.strip() else ()
    sources = normalize_languages(args.source_language) if args.source_language.strip() else ()
    for line in download([*router.required(targets, sources), *args.model], allow_pickle=config.allow_pickle):
        print(line, flush=True)
    return 0


def check_command(argv: Sequence[str]) -> int:
    """summarize check ARTICLE SUMMARY: the evidence for a summary of an article (`summarizer.evidence`), as JSON."""
    from pathlib import Path

    from ..batch.inputs import file_text
    from ..evidence.support import evidence
    from ..text.splitting import clean_text

    parser = argparse.ArgumentParser(
        prog="summarize check", description="Print the evidence for SUMMARY in ARTICLE as JSON: for each summary "
        "sentence the article sentences behind it (indexes from 0 into the article's sentences, as `summarize` "
        "reads the article), the numbers, names and words nothing in the article supports (character offsets "
        "into the summary), and support scores from 0 to 1. Works on any system's summaries.")
    parser.add_argument("article", help="the article: a .txt/.md/.html file, or - for stdin")
    parser.add_argument("summary", help="the summary: a .txt/.md file, or - for stdin")
    parser.add_argument("--language", help="the summary's language (default: detected)")
    parser.add_argument("--article-language", help="the article's, where it differs (default: --language, or "
                                                   "detected)")
    parser.add_argument("--max-chars", type=int, default=Config.from_env().max_chars,
                        help="longest article, and longest summary, read (default: %(default)s characters, as "
                             "`summarize` takes; env SUMMARIZER_MAX_CHARS)")
    args = parser.parse_args(argv)
    if args.article == "-" and args.summary == "-":
        raise InputError("Only one of ARTICLE and SUMMARY can be read from stdin (-).")

    def read(name: str) -> str:
        if name == "-":
            return sys.stdin.read()
        try:
            return file_text(Path(name).read_bytes(), name)
        except OSError as exc:
            raise InputError(f"Cannot read {name}: {exc.strerror or exc}") from None

    article, summary = clean_text(read(args.article)), read(args.summary)  # offsets into the summary as given
    for name, text in ((args.article, article), (args.summary, summary)):
        if len(text) > args.max_chars:
            raise TooLongError(f"{name} has {len(text):,} characters; the limit is {args.max_chars:,} (--max-chars).")
    if not article:
        raise InputError(f"{args.article}: the article is empty.")
    found = evidence(article, summary, args.language, article_language=args.article_language)
    print(json.dumps(found.to_dict(), ensure_ascii=False, indent=2))
    return 0


def models_command(argv: Sequence[str]) -> int:
    """summarize models: presets, their routes, every model with its licence and size, what is present."""
    from ..models.reference import available_offline
    from ..models.registry import MODELS
    from ..models.store import imported_spec, read_manifest, store_location

    argparse.ArgumentParser(prog="summarize models", description="List presets and models.").parse_args(argv)
    for preset in PRESETS.values():
        print(f"preset {preset.name}: {preset.description}")
        print(f"  summariser: {preset.summarizer_model}")
        routes = ", ".join(f"{lang}: {name}" for lang, name in preset.translators.items())
        print(f"  English into: {routes}; any other language: {preset.multilingual}")
        print(f"  into English: {preset.to_english_fallback} (pair models for {', '.join(preset.to_english)})")
    folder, why = store_location()
    print(f"\nmodels (local store: {folder}, {why}; SUMMARIZER_MODELS_DIR sets another)")
    for spec in MODELS.values():
        present = "present" if available_offline(spec.name) else "missing"
        size = f"{spec.size_mb} MB" if spec.size_mb is not None else "?"
        commercial = "" if spec.commercial_use else "  NON-COMMERCIAL"
        print(f"  {spec.name:<28} {spec.repo:<40} {spec.license:<16} {size:>8}  {present}{commercial}")
    imported = {key: entry["gguf"] for key, entry in read_manifest()["models"].items()
                if isinstance(entry, dict) and isinstance(entry.get("gguf"), dict)}
    if imported:
        print("\nGGUF files imported into the store (use the file's path, or the name below, as the summariser)")
    for key, gguf in imported.items():
        spec = imported_spec(key)
        known = f"the registry's {spec.name}" if spec else "not in the registry: English only, default settings"
        print(f"  {key}  ({gguf.get('architecture')}, {gguf.get('license') or 'licence not stated'}; {known}; "
              f"from {gguf.get('path')}, sha256 {gguf.get('sha256')})")
    return 0


def cli(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `summarize` command; returns the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    command, rest = (argv[0], argv[1:]) if argv and argv[0] in COMMANDS else ("run", argv)
    module, function = COMMANDS[command]
    try:
        return getattr(importlib.import_module(module), function)(rest)
    except SummarizerError as exc:  # one line; 2 when the caller can fix it (the errors the server answers 4xx)
        print(f"error: {exc}", file=sys.stderr)
        return 2 if exc.status < 500 else 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def main() -> None:
    sys.exit(cli())

