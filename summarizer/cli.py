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

from .errors import InputError, ModelLoadError, SummarizerError, UnsupportedLanguageError
from .options import LENGTHS
from .registry import PRESETS

SUBCOMMANDS = ("download", "models")


def _translators(values: Sequence[str]) -> dict[str, str]:
    pairs = {}
    for value in values:
        lang, sep, model = value.partition("=")
        if not sep or not lang.strip() or not model.strip():
            raise InputError(f"--translator {value!r} must look like LANG=MODEL, e.g. fr=Helsinki-NLP/opus-mt-en-fr")
        pairs[lang.strip()] = model.strip()
    return pairs


def _add_model_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--preset", default="default", choices=list(PRESETS), help="model preset (default: default)")
    parser.add_argument("--summarizer-model", metavar="NAME_OR_PATH",
                        help="summariser: registry name, hub id or local folder (overrides the preset)")
    parser.add_argument("--translator", action="append", default=[], metavar="LANG=NAME_OR_PATH",
                        help="translator into LANG (repeatable; overrides the preset)")
    parser.add_argument("--device", default="auto", help="auto (CUDA when present), cpu, cuda, cuda:1 ...")


def _summarize_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="summarize", description="Summarise news articles and translate the summaries. "
        f"Other commands: {', '.join(SUBCOMMANDS)} (see `summarize COMMAND --help`).")
    parser.add_argument("paths", nargs="+", metavar="FILE", help="text files to summarise; - reads stdin")
    parser.add_argument("--to", default="en", help="comma-separated target languages (default: en)")
    parser.add_argument("--no-source", action="store_true", help="do not add the article's own language")
    parser.add_argument("--length", default="short", choices=list(LENGTHS))
    parser.add_argument("--source-language", help="the articles' language (default: detected)")
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--json", action="store_true", help="print one JSON object per article")
    _add_model_flags(parser)
    return parser


def _read(path: str) -> str:
    if path == "-":
        return sys.stdin.read()
    try:
        with open(path, encoding="utf-8-sig") as handle:
            return handle.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise SummarizerError(f"Cannot read {path!r}: {exc}") from exc


def _run_summarize(args: argparse.Namespace) -> int:
    from .detect import detect_language
    from .languages import normalize_languages
    from .options import SummarizeOptions
    from .pipeline import Summarizer
    from .text import clean_text

    summarizer = Summarizer(args.preset, summarization_model=args.summarizer_model,
                            translation_models=_translators(args.translator), device=args.device,
                            options=SummarizeOptions(batch_size=args.batch_size))
    targets = list(normalize_languages(args.to, summarizer.supported_languages()))
    texts = [_read(path) for path in args.paths]
    failed = 0
    for path, text in zip(args.paths, texts, strict=True):
        languages = list(targets)
        source = args.source_language or detect_language(clean_text(text) or " ").language
        if not args.no_source:
            languages = list(dict.fromkeys([source, *languages]))
        try:
            result = summarizer.summarize(text, languages, length=args.length, source_language=args.source_language)
        except ModelLoadError as exc:
            failed += 1
            print(f"{path}: error: {exc}", file=sys.stderr)
            _explain_missing(summarizer, languages, source, args)
            continue
        except SummarizerError as exc:
            failed += 1
            print(f"{path}: error: {exc}", file=sys.stderr)
            continue
        if args.json:
            print(json.dumps({"id": path, **result.to_dict()}, ensure_ascii=False))
            continue
        print(f"# {path} (language: {result.source_language}, chunks: {result.chunks})")
        for lang, summary in result.summaries.items():
            print(f"\n[{lang}] {summary}\n    models: {' > '.join(result.models[lang])}")
        for warning in result.warnings:
            print(f"warning: {warning}")
        print()
    return 1 if failed else 0


def _explain_missing(summarizer, languages: list[str], source: str, args: argparse.Namespace) -> None:
    """Say, without loading anything, what the run would have used and how to fetch it."""
    from .hub import hub_reachable, models_dir

    plan = summarizer.plan(languages, source)
    print(f"  article language: {source}; the summaries need:", file=sys.stderr)
    for lang, chain in plan.items():
        print(f"    {lang}: {' > '.join(chain)}", file=sys.stderr)
    if not hub_reachable():
        print(f"  The Hugging Face hub cannot be reached from here and {models_dir()} does not hold these models.",
              file=sys.stderr)
    targets = ",".join(lang for lang in plan if lang != "en")
    sources = f" --from {source}" if source != "en" else ""
    print(f"  Fetch them (on a machine with network access) with: summarize download --preset {args.preset}"
          f"{' --to ' + targets if targets else ''}{sources}", file=sys.stderr)


def _run_download(argv: Sequence[str]) -> int:
    from .hub import download

    parser = argparse.ArgumentParser(prog="summarize download",
                                     description="Fetch the models a preset and its languages need into models/.")
    parser.add_argument("--preset", default="default", choices=list(PRESETS))
    parser.add_argument("--to", default="", help="comma-separated target languages (default: the summariser only)")
    parser.add_argument("--from", dest="sources", default="",
                        help="comma-separated article languages to read (adds the models translating them)")
    parser.add_argument("--model", action="append", default=[], help="fetch this registry name or hub id too")
    args = parser.parse_args(argv)
    for line in download(args.preset, args.to, args.model, args.sources):
        print(line, flush=True)
    return 0


def _run_models(argv: Sequence[str]) -> int:
    from .hub import models_dir
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
        present = "present" if (models_dir() / spec.repo / "config.json").is_file() else "missing"
        size = f"{spec.size_mb} MB" if spec.size_mb else "?"
        commercial = "" if spec.commercial_use else "  NON-COMMERCIAL"
        print(f"  {spec.name:<26} {spec.repo:<40} {spec.license:<16} {size:>8}  {present}{commercial}")
    return 0


def cli(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `summarize` command; returns the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        if argv and argv[0] == "download":
            return _run_download(argv[1:])
        if argv and argv[0] == "models":
            return _run_models(argv[1:])
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
