"""Gradio demo: paste or upload a news article, pick languages, read the summaries.

    python demo.py [--host 127.0.0.1] [--port 7860] [--share] [--preset default] \
                   [--summarizer-model NAME_OR_PATH] [--translator LANG=NAME_OR_PATH] [--device auto]

The page loads no model: models load on the first request and are shared by
every request after it. The named endpoint ``/summarize`` takes ``text`` and
``languages`` and returns `Summary.to_dict()`:

    from gradio_client import Client
    Client("http://127.0.0.1:7860").predict(text=article, languages=["en", "fr"], api_name="/summarize")
"""

from __future__ import annotations

import argparse
import html
import json
import tempfile
import threading
from dataclasses import replace
from pathlib import Path

import gradio as gr

from summarizer import LANGUAGES, PRESETS, Config, ModelCache, Summarizer, SummarizerError
from summarizer.config import add_limit_flags, add_model_flags, config_from_args
from summarizer.errors import InputError
from summarizer.inputs import HTML_SUFFIXES, TEXT_SUFFIXES, file_text
from summarizer.options import LENGTHS

HERE = Path(__file__).resolve().parent
MAX_UPLOAD_BYTES = 2_000_000
UPLOAD_TYPES = sorted(TEXT_SUFFIXES | HTML_SUFFIXES)
DEFAULT_LANGUAGES = ["en", "fr", "de", "es"]
CONCURRENCY = 2  # requests generating at once; the rest wait in the queue
QUEUE_SIZE = 32  # requests waiting at most; beyond that Gradio answers that the queue is full


class Service:
    """What every request uses: one configuration, one bounded model cache, one Summarizer per preset."""

    def __init__(self, config: Config | None = None, max_upload_bytes: int = MAX_UPLOAD_BYTES):
        self.config = replace(config or Config(), extractive_fallback=True)
        self.max_upload_bytes = max_upload_bytes
        self.cache = ModelCache(self.config.max_models)
        self._summarizers: dict[str, Summarizer] = {}
        self._lock = threading.Lock()

    def summarizer(self, preset: str | None = None) -> Summarizer:
        """The Summarizer of a preset (the configured one by default), made on first use; all share the cache."""
        name = preset or self.config.preset
        with self._lock:
            if name not in self._summarizers:
                self._summarizers[name] = Summarizer(self.config, cache=self.cache, preset=name)
            return self._summarizers[name]


service = Service()  # replaced by configure(); builds nothing heavy


def configure(config: Config | None = None, *, max_upload_bytes: int = MAX_UPLOAD_BYTES) -> None:
    """Choose the models and limits every request will use (the models loaded before are forgotten)."""
    global service
    service = Service(config, max_upload_bytes)


def get_summarizer(preset: str | None = None) -> Summarizer:
    return service.summarizer(preset)


def user_error(message: str) -> gr.Error:
    """An error the person can fix: shown on the page, and not logged as a traceback on the server."""
    return gr.Error(message, print_exception=False)


def _label(code: str) -> str:
    lang = LANGUAGES[code]
    return lang.native if lang.native == lang.name else f"{lang.native} · {lang.name}"


def read_upload(path: str | None) -> str:
    """Text of an uploaded .txt/.md/.html file, checked for type and size."""
    if not path:
        return ""
    file = Path(path)
    if file.suffix.lower() not in UPLOAD_TYPES:
        raise user_error(f"{file.name}: only {', '.join(UPLOAD_TYPES)} files can be summarised.")
    limit = service.max_upload_bytes
    if file.stat().st_size > limit:
        raise user_error(f"{file.name} is over the {limit:,}-byte upload limit.")
    try:
        return file_text(file.read_bytes(), file.name)
    except InputError as exc:
        raise user_error(str(exc)) from None


def summarize(text: str, languages: list[str], length: str = "short", preset: str = "",
              source_language: str = "") -> dict:
    """Summarise `text` into `languages`; returns Summary.to_dict()."""
    if preset and preset not in PRESETS:
        raise user_error(f"Unknown preset {preset!r}. Presets: {', '.join(PRESETS)}.")
    try:
        result = get_summarizer(preset or None).summarize(
            text, languages, length=length, source_language=source_language or None, include_source=False)
    except SummarizerError as exc:
        raise user_error(str(exc)) from None
    return result.to_dict()


def render(result: dict) -> str:
    """The summaries as HTML: every text escaped, right-to-left scripts set right to left."""
    panels = []
    for lang in [*result["summaries"], *result["errors"]]:
        direction = "rtl" if LANGUAGES[lang].rtl else "ltr"
        notes = "".join(f'<li class="warning">{html.escape(w)}</li>'
                        for w in result["language_warnings"].get(lang, []) if not w.startswith("error: "))
        if lang in result["errors"]:
            body = f'<p class="summary-error">{html.escape(result["errors"][lang])}</p>'
        else:
            badge = "" if result["faithful"].get(lang, True) else \
                ' <span class="unfaithful">⚠ numbers or names not found in the source</span>'
            body = (f'<p class="summary-text" lang="{lang}" dir="{direction}">{html.escape(result["summaries"][lang])}'
                    f'</p>{badge}<p class="models">{html.escape(" → ".join(result["models"][lang]))}</p>')
        panels.append(f'<section class="summary-panel" data-lang="{lang}">'
                      f"<h3>{html.escape(_label(lang))} <small>({lang})</small></h3>"
                      f'{body}{f"<ul>{notes}</ul>" if notes else ""}</section>')
    warnings = "".join(f'<li class="{"loud" if w.isupper() or "UNAVAILABLE" in w else "warning"}">'
                       f"{html.escape(w)}</li>" for w in result["warnings"])
    return ((f'<ul class="general-warnings">{warnings}</ul>' if warnings else "")
            + f'<div class="summaries">{"".join(panels)}</div>')


def describe(result: dict) -> str:
    source = result["source_language"]
    confidence = result["language_confidence"]
    detected = f"detected, confidence {confidence:.2f}" if confidence is not None else "given"
    chunks = f"{result['chunks']} chunks" if result["chunks"] > 1 else "read whole"
    return (f"**Source language:** {_label(source)} ({source}, {detected}) · **article:** {chunks} · "
            f"**time:** {result['timings'].get('total_s', 0):.1f} s")


def summarize_page(text: str, upload: str | None, languages: list[str], length: str, preset: str,
                   progress=gr.Progress()) -> tuple[str, str, str]:  # noqa: B008 (Gradio idiom)
    """The Summarise button: status line, summary panels, and the JSON file to download."""
    article = read_upload(upload) or text
    progress(0.05, desc="Loading models and summarising (the first request loads the models)…")
    result = summarize(article, languages, length, preset)
    progress(1.0, desc="Done")
    with tempfile.NamedTemporaryFile("w", suffix=".json", prefix="summary-", delete=False,
                                     encoding="utf-8") as handle:
        json.dump(result, handle, ensure_ascii=False, indent=2)
    return describe(result), render(result), handle.name


def models_banner(preset: str) -> str:
    """Which models the preset would use, and what to do where they are missing (loads nothing)."""
    from summarizer.hub import hub_reachable
    from summarizer.registry import download_command
    from summarizer.store import available_offline, models_dir

    plan = get_summarizer(preset).plan(DEFAULT_LANGUAGES, "en")
    names = list(dict.fromkeys(name for chain in plan.values() for name in chain))
    if hub_reachable():
        return f"Models ({preset}): {', '.join(names)}. They are fetched from the Hugging Face hub on first use."
    missing = [name for name in names if not available_offline(name)]
    if not missing:
        return f"Models ({preset}): {', '.join(names)} (from {models_dir()})."
    return (f"⚠️ The Hugging Face hub cannot be reached and these models are not in {models_dir()}: "
            f"{', '.join(missing)}. Run `{download_command(preset=preset, targets=DEFAULT_LANGUAGES[1:])}` where "
            "the hub can be reached and copy the model store here.")


def _example(name: str) -> str:
    path = HERE / "examples" / name
    return path.read_text(encoding="utf-8") if path.is_file() else ""


CSS = """
.summary-panel {border: 1px solid var(--border-color-primary); border-radius: 8px; padding: 0.6em 1em;
                margin-bottom: 0.8em}
.summary-panel h3 {margin: 0 0 0.3em 0}
.summary-text[dir=rtl] {text-align: right}
.models {color: var(--body-text-color-subdued); font-size: 0.85em; margin: 0}
.warning {color: #b45309}
.loud {color: #b91c1c; font-weight: bold}
.summary-error, .unfaithful {color: #b91c1c}
"""

with gr.Blocks(title="Multilingual news summariser") as demo:
    gr.Markdown("# Multilingual news summariser\nPaste a news article (or upload a file), choose languages, "
                "and get a short summary in each. Summaries are made by the article's summariser and translated "
                "sentence by sentence; every result says which models made it.")
    banner = gr.Markdown()
    with gr.Row():
        with gr.Column(scale=3):
            article = gr.Textbox(label="Article", lines=14, max_lines=40, placeholder="Paste a news article here…")
            upload = gr.File(label=f"…or upload a file ({', '.join(UPLOAD_TYPES)})",
                             file_types=UPLOAD_TYPES, type="filepath")
        with gr.Column(scale=2):
            languages = gr.Dropdown(choices=[(_label(code), code) for code in LANGUAGES], value=DEFAULT_LANGUAGES,
                                    multiselect=True, label="Summary languages")
            length = gr.Radio(choices=list(LENGTHS), value="short", label="Length")
            preset = gr.Dropdown(choices=[(f"{p.name}: {p.description}", p.name) for p in PRESETS.values()],
                                 value=lambda: service.config.preset, label="Models")
            button = gr.Button("Summarise", variant="primary")
    status = gr.Markdown(elem_id="status")
    panels = gr.HTML(elem_id="summaries")
    download = gr.File(label="Whole result (JSON)", interactive=False, height=70)
    gr.Examples(
        examples=[[_example("riverton_bridge.txt"), ["en", "fr", "ja"]],
                  [_example("lyon_tram.txt"), ["fr", "en", "uk"]]],
        inputs=[article, languages], label="Examples (written for this project)")

    button.click(summarize_page, inputs=[article, upload, languages, length, preset],
                 outputs=[status, panels, download], api_name="summarize_page")
    gr.api(summarize, api_name="summarize")
    demo.load(models_banner, inputs=[preset], outputs=[banner], api_visibility="private")
    preset.change(models_banner, inputs=[preset], outputs=[banner], api_visibility="private")

demo.queue(default_concurrency_limit=CONCURRENCY, max_size=QUEUE_SIZE)


def launch(host: str = "127.0.0.1", port: int | None = None, share: bool = False, **extra):
    """Start the server with its safety settings: this machine only unless told, uploads capped, and no
    folder of the server's readable beyond Gradio's own upload cache."""
    return demo.launch(server_name=host, server_port=port, share=share, css=CSS,
                       max_file_size=service.max_upload_bytes,
                       allowed_paths=[], **extra)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Serve the summariser's web demo.")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1, this machine)")
    parser.add_argument("--port", type=int, default=7860)
    parser.add_argument("--share", action="store_true", help="open a public gradio.live link (off by default)")
    parser.add_argument("--max-upload-mb", type=float, default=MAX_UPLOAD_BYTES / 1e6,
                        help=f"largest upload in MB (default: {MAX_UPLOAD_BYTES / 1e6:g})")
    add_model_flags(parser)
    add_limit_flags(parser)
    args = parser.parse_args(argv)
    try:
        config = config_from_args(args)
    except SummarizerError as exc:
        parser.error(str(exc))
    configure(config, max_upload_bytes=int(args.max_upload_mb * 1e6))
    launch(args.host, args.port, args.share)


if __name__ == "__main__":
    main()
