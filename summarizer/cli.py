"""Command line: summarise files, fetch models, list them.

    summarize ARTICLE.txt --to fr,de,es
    summarize download --preset default --to fr,de,es
    summarize models

Errors the user can fix are printed as one line (exit 2 for usage, 1 for
failures); tracebacks are kept for real bugs.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from .errors import InputError, ModelLoadError, SummarizerError, UnsupportedLanguageError
from .options import LENGTHS, SummarizeOptions
from .outputs import FORMATS, summarize_items
from .outputs import failed as row_failed
from .registry import PRESETS

SUBCOMMANDS = ("download", "models", "eval", "batch-ray")


def parse_translators(values: Sequence[str]) -> dict[str, str]:
    pairs = {}
    for value in values:
        lang, sep, model = value.partition("=")
        if not sep or not lang.strip() or not model.strip():
            raise InputError(f"--translator {value!r} must look like LANG=MODEL, e.g. fr=Helsinki-NLP/opus-mt-en-fr")
        pairs[lang.strip()] = model.strip()
    return pairs


def add_model_flags(parser: argparse.ArgumentParser, engine_flag: str = "--engine") -> None:
    parser.add_argument("--preset", default="default", choices=list(PRESETS), help="model preset (default: default)")
    parser.add_argument("--summarizer-model", metavar="NAME_OR_PATH",
                        help="summariser: registry name, hub id or local folder (overrides the preset)")
    parser.add_argument("--translator", action="append", default=[], metavar="LANG=NAME_OR_PATH",
                        help="translator into LANG (repeatable; overrides the preset)")
    parser.add_argument("--device", default="auto", help="auto (CUDA when present), cpu, cuda, cuda:1 ...")
    parser.add_argument(engine_flag, dest="backend", default="auto", choices=["auto", "torch", "ctranslate2"],
                        help="auto: CTranslate2 when installed (int8 on CPU, float16 on CUDA), else torch")
    parser.add_argument("--allow-pickle", action="store_true",
                        help="also load models whose weights are pickles (.bin), which can run code when loaded; "
                             "by default only safetensors weights are loaded")


def _summarize_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="summarize", description="Summarise news articles and translate the summaries. "
        f"Other commands: {', '.join(SUBCOMMANDS)} (see `summarize COMMAND --help`). An input named like a "
        "command is read as that command: write `summarize run models` (or `summarize ./models`) to summarise "
        "a file called models.")
    parser.add_argument("paths", nargs="+", metavar="INPUT",
                        help=".txt/.md/.html files, folders, .jsonl, .csv, http(s) URLs, or - for stdin")
    parser.add_argument("--to", default="en", help="comma-separated target languages (default: en)")
    parser.add_argument("--no-source", action="store_true", help="do not add each article's own language")
    parser.add_argument("--length", default="short", choices=list(LENGTHS))
    parser.add_argument("--strict", action="store_true",
                        help="regenerate a summary that fails the numbers-and-names check, then fall back to "
                             "the article's own sentences")
    parser.add_argument("--source-language", help="the articles' language (default: detected per article)")
    parser.add_argument("--batch-size", type=int, default=8, help="articles per batch (default: 8)")
    parser.add_argument("--max-chars", type=int, default=SummarizeOptions.max_chars,
                        help=f"longer articles get an error row (default: {SummarizeOptions.max_chars:,} characters)")
    parser.add_argument("--max-languages", type=int, default=SummarizeOptions.max_languages,
                        help=f"most target languages (default: {SummarizeOptions.max_languages})")
    parser.add_argument("-o", "--output", metavar="FILE",
                        help="write rows here (.jsonl, .csv, .md, or a .parquet folder, which needs pyarrow); "
                             "a re-run resumes where it stopped")
    parser.add_argument("--format", choices=[*FORMATS, "text"],
                        help="output format (default: from -o's extension; text for one article, else jsonl)")
    parser.add_argument("--overwrite", action="store_true", help="start -o over instead of resuming")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.add_argument("--glob", help="in folders, only files matching this pattern (e.g. '*.html')")
    parser.add_argument("--text-field", default="text", help="JSONL field holding the article (default: text)")
    parser.add_argument("--id-field", default="id", help="JSONL field holding the id (default: id)")
    parser.add_argument("--text-column", default="text", help="CSV column holding the article (default: text)")
    parser.add_argument("--id-column", default="id", help="CSV column holding the id (default: id)")
    add_model_flags(parser)
    return parser


def _print_text(row: dict) -> None:
    if row["error"]:
        print(f"# {row['id']}\nerror: {row['error']}\n")
        return
    print(f"# {row['id']} (language: {row['source_language']}, chunks: {row['chunks']})")
    for lang, summary in row["summaries"].items():
        mark = "" if row["faithful"].get(lang, True) else "  (failed the faithfulness check)"
        print(f"\n[{lang}] {summary}\n    models: {' > '.join(row['models'][lang])}{mark}")
    for lang, message in row["errors"].items():
        print(f"\n[{lang}] error: {message}")
    for warning in row["warnings"]:
        print(f"warning: {warning}")
    print()


def _run_summarize(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from .inputs import collect
    from .languages import normalize_languages
    from .outputs import format_for, open_writer
    from .pipeline import Summarizer

    if args.batch_size < 1:
        raise InputError(f"--batch-size {args.batch_size} must be at least 1.")
    summarizer = Summarizer(args.preset, summarization_model=args.summarizer_model,
                            translation_models=parse_translators(args.translator), device=args.device,
                            engine=args.backend, extractive_fallback=True, allow_pickle=args.allow_pickle,
                            options=SummarizeOptions(batch_size=args.batch_size, strict=args.strict,
                                                     max_chars=args.max_chars, max_languages=args.max_languages))
    targets = list(normalize_languages(args.to, summarizer.supported_languages(), summarizer.options.max_languages))
    items = collect(args.paths, glob=args.glob, text_field=args.text_field, id_field=args.id_field,
                    text_column=args.text_column, id_column=args.id_column)
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
        emit = (lambda rows: [_print_text(row) for row in rows]) if fmt == "text" else \
            (lambda rows: print("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), end="",
                                flush=True))
    bar = tqdm(total=len(items), initial=len(items) - len(todo), unit="article", file=sys.stderr,
               disable=args.quiet or not sys.stderr.isatty(), dynamic_ncols=True)
    failed = 0
    try:
        for start in range(0, len(todo), args.batch_size):
            batch = todo[start:start + args.batch_size]
            try:
                rows = summarize_items(summarizer, batch, targets, length=args.length,
                                       source_language=args.source_language, include_source=not args.no_source)
            except ModelLoadError as exc:  # no model, no point going on: say what is missing
                bar.close()
                _explain_missing(summarizer, targets, exc, args)
                return 1
            emit(rows)
            failed += sum(row_failed(row) for row in rows)
            bar.update(len(rows))
    finally:
        bar.close()
        if writer:
            writer.close()
    if writer and len(items) > len(todo):
        print(f"resumed: {len(items) - len(todo)} of {len(items)} articles were already in {args.output}",
              file=sys.stderr)
    return 1 if failed else 0


def _explain_missing(summarizer, targets: list[str], error: Exception, args: argparse.Namespace) -> None:
    """Say, without loading anything, what the run would have used and how to fetch it."""
    from .hub import hub_reachable, models_dir
    from .languages import normalize_language

    print(f"error: {error}", file=sys.stderr)
    source = normalize_language(args.source_language) if args.source_language else "en"
    languages = targets if args.no_source else list(dict.fromkeys([source, *targets]))
    plan = summarizer.plan(languages, source)
    print(f"  article language: {source}; the summaries need:", file=sys.stderr)
    for lang, chain in plan.items():
        print(f"    {lang}: {' > '.join(chain)}", file=sys.stderr)
    if not hub_reachable():
        print(f"  The Hugging Face hub cannot be reached from here and {models_dir()} does not hold these models.",
              file=sys.stderr)
    to = ",".join(lang for lang in plan if lang != "en")
    sources = f" --from {source}" if source != "en" else ""
    print(f"  Fetch them (on a machine with network access) with: summarize download --preset {args.preset}"
          f"{' --to ' + to if to else ''}{sources}", file=sys.stderr)


def _run_batch_ray(argv: Sequence[str]) -> int:
    """summarize batch-ray INPUT... -o OUTPUT: the batch job on a Ray cluster (see summarizer/ray_batch.py)."""
    from .languages import normalize_languages
    from .outputs import format_for, open_writer

    parser = argparse.ArgumentParser(
        prog="summarize batch-ray", description="Summarise many articles on a Ray cluster (pip install -e '.[ray]'). "
        "Rows have the local CLI's schema; a re-run skips the ids already in the output.")
    parser.add_argument("paths", nargs="+", metavar="INPUT",
                        help=".jsonl/.parquet/.csv files (one kind per run), or folders of .txt/.md/.html files")
    parser.add_argument("-o", "--output", required=True, metavar="OUTPUT",
                        help="a .jsonl file, or a .parquet folder (one part file per written batch)")
    parser.add_argument("--to", default="en", help="comma-separated target languages (default: en)")
    parser.add_argument("--no-source", action="store_true", help="do not add each article's own language")
    parser.add_argument("--length", default="short", choices=list(LENGTHS))
    parser.add_argument("--strict", action="store_true", help="as in `summarize --strict`")
    parser.add_argument("--source-language", help="the articles' language (default: detected per article)")
    parser.add_argument("--text-field", default="text", help="column holding the article (default: text)")
    parser.add_argument("--id-field", default="id",
                        help="column holding the id (default: id; rows without one get the text's content hash)")
    parser.add_argument("--overwrite", action="store_true", help="start the output over instead of resuming")
    parser.add_argument("--address", help="Ray cluster to join, e.g. 10.0.0.5:6379 or auto "
                        "(default: $RAY_ADDRESS, else a local cluster is started)")
    parser.add_argument("--actors", type=int,
                        help="summarising actors (default: the cluster's CPUs / --cpus-per-actor)")
    parser.add_argument("--cpus-per-actor", type=float, default=1.0, help="CPUs each actor reserves (default: 1)")
    parser.add_argument("--gpus-per-actor", type=float, default=0.0, help="GPUs each actor reserves (default: 0)")
    parser.add_argument("--num-cpus", type=int, help="CPUs of the local cluster when one is started (default: all)")
    parser.add_argument("--batch-size", type=int, default=8, help="articles per actor call (default: 8)")
    add_model_flags(parser)
    args = parser.parse_args(argv)
    for name in ("batch_size", "actors"):
        value = getattr(args, name)
        if value is not None and value < 1:
            raise InputError(f"--{name.replace('_', '-')} {value} must be at least 1.")
    try:
        import ray  # noqa: F401

        from . import ray_batch
    except ImportError:
        raise InputError("batch-ray needs Ray: pip install -e '.[ray]'") from None
    from .pipeline import Summarizer

    options = SummarizeOptions(batch_size=args.batch_size, strict=args.strict)
    translators = parse_translators(args.translator)
    summarizer = Summarizer(args.preset, summarization_model=args.summarizer_model,
                            translation_models=translators, options=options)
    targets = normalize_languages(args.to, summarizer.supported_languages(), options.max_languages)
    ray_batch.input_kind(args.paths)  # a usage error before the cluster starts
    job = ray_batch.RayJob(
        targets=targets, preset=args.preset, summarization_model=args.summarizer_model,
        translation_models=translators, device=args.device, engine=args.backend,
        allow_pickle=args.allow_pickle, length=args.length, strict=args.strict,
        source_language=args.source_language, include_source=not args.no_source, batch_size=args.batch_size,
        text_field=args.text_field, id_field=args.id_field)
    writer = open_writer(args.output, format_for(args.output, None), list(targets), overwrite=args.overwrite)
    try:
        print(f"ray: {ray_batch.connect(args.address, args.num_cpus)}", file=sys.stderr)
        total, skipped, errors = ray_batch.run(args.paths, job, writer, actors=args.actors,
                                               cpus_per_actor=args.cpus_per_actor,
                                               gpus_per_actor=args.gpus_per_actor)
    finally:
        writer.close()
    if skipped:
        print(f"resumed: {skipped} of {total} articles were already in {args.output}", file=sys.stderr)
    print(f"wrote {total - skipped} rows to {args.output}" + (f" ({errors} with errors)" if errors else ""),
          file=sys.stderr)
    return 1 if errors else 0


def _run_download(argv: Sequence[str]) -> int:
    from .hub import download

    parser = argparse.ArgumentParser(prog="summarize download",
                                     description="Fetch the models a preset and its languages need into models/.")
    parser.add_argument("--preset", default="default", choices=list(PRESETS))
    parser.add_argument("--to", default="", help="comma-separated target languages (default: the summariser only)")
    parser.add_argument("--from", dest="sources", default="",
                        help="comma-separated article languages to read (adds the models translating them)")
    parser.add_argument("--model", action="append", default=[], help="fetch this registry name or hub id too")
    parser.add_argument("--allow-pickle", action="store_true",
                        help="fetch pickle (.bin) weights of models that have no safetensors (they can run code "
                             "when loaded)")
    args = parser.parse_args(argv)
    for line in download(args.preset, args.to, args.model, args.sources, allow_pickle=args.allow_pickle):
        print(line, flush=True)
    return 0


def _run_models(argv: Sequence[str]) -> int:
    from .hub import models_dir
    from .models import available_offline
    from .registry import MODELS

    argparse.ArgumentParser(prog="summarize models", description="List presets and models.").parse_args(argv)
    for preset in PRESETS.values():
        print(f"preset {preset.name}: {preset.description}")
        print(f"  summariser: {preset.summarizer}")
        routes = ", ".join(f"{lang}: {name}" for lang, name in preset.translators.items())
        print(f"  English into: {routes}; any other language: {preset.multilingual}")
        print(f"  into English: {preset.to_english_fallback} (pair models for {', '.join(preset.to_english)})")
    print(f"\nmodels (local store: {models_dir()})")
    for spec in MODELS.values():
        present = "present" if available_offline(spec.name) else "missing"
        size = f"{spec.size_mb} MB" if spec.size_mb is not None else "?"
        commercial = "" if spec.commercial_use else "  NON-COMMERCIAL"
        print(f"  {spec.name:<26} {spec.repo:<40} {spec.license:<16} {size:>8}  {present}{commercial}")
    return 0


def _run_eval(argv: Sequence[str]) -> int:
    """summarize eval DATA.jsonl: ROUGE of summaries against references; chrF/BLEU of translations."""
    from .evaluate import lead, rouge, translation_scores
    from .inputs import decode
    from .languages import normalize_language
    from .pipeline import Summarizer

    parser = argparse.ArgumentParser(
        prog="summarize eval", description="Score summaries (ROUGE) and translations (chrF, BLEU) against references.")
    parser.add_argument("data", help="JSONL, one article per line")
    parser.add_argument("--engine", default="extractive",
                        help=f"lead-3, extractive, or a preset ({', '.join(PRESETS)}) (default: extractive)")
    parser.add_argument("--text-field", default="article")
    parser.add_argument("--reference-field", default="reference", help="the reference summary")
    parser.add_argument("--translations-field",
                        help="a field holding {language: reference translation of the text}: scores translations")
    parser.add_argument("--language", default="en", help="the language of the texts (default: en)")
    parser.add_argument("--length", default="short", choices=list(LENGTHS))
    parser.add_argument("--limit", type=int, help="only the first N rows")
    parser.add_argument("-o", "--output", help="write the scores as JSON here")
    add_model_flags(parser, engine_flag="--backend")
    args = parser.parse_args(argv)
    language = normalize_language(args.language)
    try:
        lines = decode(Path(args.data).read_bytes(), args.data).splitlines()
    except OSError as exc:
        raise InputError(f"Cannot read {args.data}: {exc.strerror or exc}") from None
    rows = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            rows.append(json.loads(line))
        except ValueError as exc:
            raise InputError(f"{args.data}:{number}: not valid JSON ({exc})") from None
        if not isinstance(rows[-1], dict):
            raise InputError(f"{args.data}:{number}: a JSON object was expected")
        if args.limit and len(rows) == args.limit:
            break
    if not rows or args.text_field not in rows[0]:
        raise InputError(f"{args.data}: no rows with a {args.text_field!r} field")
    texts = [row[args.text_field] for row in rows]
    report: dict = {"data": args.data, "rows": len(rows), "engine": args.engine, "language": language}
    preset = args.engine if args.engine in PRESETS else "default"
    summarizer = Summarizer(preset, summarization_model=args.summarizer_model,
                            translation_models=parse_translators(args.translator), device=args.device,
                            engine=args.backend, allow_pickle=args.allow_pickle)
    if args.reference_field in rows[0]:
        if args.engine == "lead-3":
            predictions = [lead(text, 3) for text in texts]
        elif args.engine in PRESETS:
            results = summarizer.summarize_batch(texts, [language], length=args.length, source_language=language)
            predictions = [result.summaries[language] for result in results]
        else:
            raise InputError(f"--engine {args.engine!r}: use lead-3 or a preset ({', '.join(PRESETS)}).")
        report["rouge"] = rouge(predictions, [row[args.reference_field] for row in rows], language)
        print(f"ROUGE ({len(rows)} rows, {args.engine}): " +
              "  ".join(f"{kind} {value:.2f}" for kind, value in report["rouge"].items()))
    if args.translations_field:
        report["translation"] = {}
        targets = sorted({lang for row in rows for lang in (row.get(args.translations_field) or {})})
        for target in targets:
            pairs = [(row[args.text_field], row[args.translations_field][target]) for row in rows
                     if target in (row.get(args.translations_field) or {})]
            hypotheses = summarizer.translate([source for source, _ in pairs], target, language)
            scores = translation_scores(hypotheses, [reference for _, reference in pairs], target)
            report["translation"][target] = {"rows": len(pairs), **scores}
            print(f"{language}->{target} ({len(pairs)} rows): chrF {scores['chrf']:.2f}  BLEU {scores['bleu']:.2f}  "
                  f"[{scores['bleu_signature']}]")
    if "rouge" not in report and "translation" not in report:
        raise InputError(f"{args.data}: no {args.reference_field!r} field and no --translations-field to score.")
    if args.output:
        with open(args.output, "w", encoding="utf-8") as handle:
            json.dump(report, handle, indent=2, ensure_ascii=False)
    return 0


def cli(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `summarize` command; returns the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        if argv and argv[0] == "download":
            return _run_download(argv[1:])
        if argv and argv[0] == "models":
            return _run_models(argv[1:])
        if argv and argv[0] == "eval":
            return _run_eval(argv[1:])
        if argv and argv[0] == "batch-ray":
            return _run_batch_ray(argv[1:])
        if argv and argv[0] == "run":  # the explicit form: `summarize run models` summarises a file named models
            argv = argv[1:]
        return _run_summarize(_summarize_parser().parse_args(argv))
    except (UnsupportedLanguageError, InputError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except SummarizerError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def main() -> None:
    sys.exit(cli())
