"""The web page: paste or upload a news article, pick languages, read each summary as soon as it is ready.

Served by `summarize serve` (or ``python demo.py``) at ``/``, beside the JSON API, on the same queue and the
same models (`service.Service`). The page loads no model. Its named endpoint ``/summarize`` answers
`Summary.to_dict()`:

    from gradio_client import Client
    Client("http://127.0.0.1:7860").predict(text=article, languages=["en", "fr"], api_name="/summarize")
"""

from __future__ import annotations

import html
import json
import queue
import tempfile
import threading
from pathlib import Path

import gradio as gr

from .config import Config
from .errors import InputError, SummarizerError
from .inputs import HTML_SUFFIXES, TEXT_SUFFIXES, file_text
from .languages import LANGUAGES
from .options import LENGTHS, SummarizeOptions
from .pipeline import Request, Summarizer
from .registry import PRESETS
from .service import Service

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
MAX_UPLOAD_BYTES = 2_000_000
UPLOAD_TYPES = sorted(TEXT_SUFFIXES | HTML_SUFFIXES)
DEFAULT_LANGUAGES = ["en", "fr", "de", "es"]

_state: dict = {"service": None, "max_upload_bytes": MAX_UPLOAD_BYTES}


def configure(service: Service | Config | None = None, *, max_upload_bytes: int = MAX_UPLOAD_BYTES,
              **service_settings) -> Service:
    """The service every request uses (a Config makes a new one; the models loaded before are forgotten)."""
    if not isinstance(service, Service):
        service = Service(service, **service_settings)
    service.start()
    previous = _state["service"]
    _state.update(service=service, max_upload_bytes=max_upload_bytes)
    if previous is not None and previous is not service:
        threading.Thread(target=previous.stop, daemon=True).start()  # its workers end once its queue is empty
    return service


def current() -> Service:
    return _state["service"] or configure()


def get_summarizer(preset: str | None = None) -> Summarizer:
    return current().summarizer(preset)


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
    limit = _state["max_upload_bytes"]
    if file.stat().st_size > limit:
        raise user_error(f"{file.name} is over the {limit:,}-byte upload limit.")
    try:
        return file_text(file.read_bytes(), file.name)
    except InputError as exc:
        raise user_error(str(exc)) from None


def _submit(text: str, languages, length: str, preset: str, source_language: str, partial=None):
    if preset and preset not in PRESETS:
        raise user_error(f"Unknown preset {preset!r}. Presets: {', '.join(PRESETS)}.")
    try:
        options = SummarizeOptions(length=length)
        request = Request(text, languages, source_language or None, include_source=False)
        return current().submit(request, options, preset or None, partial)
    except SummarizerError as exc:
        raise user_error(str(exc)) from None


def _result(future) -> dict:
    try:
        return future.result().to_dict()
    except SummarizerError as exc:
        raise user_error(str(exc)) from None


def summarize(text: str, languages: list[str], length: str = "short", preset: str = "",
              source_language: str = "") -> dict:
    """Summarise `text` into `languages` (through the shared queue); returns Summary.to_dict()."""
    return _result(_submit(text, languages, length, preset, source_language))


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
        panels.append(_panel(lang, body + (f"<ul>{notes}</ul>" if notes else "")))
    warnings = "".join(f'<li class="{"loud" if w.isupper() or "UNAVAILABLE" in w else "warning"}">'
                       f"{html.escape(w)}</li>" for w in result["warnings"])
    return ((f'<ul class="general-warnings">{warnings}</ul>' if warnings else "")
            + f'<div class="summaries">{"".join(panels)}</div>')


def _panel(lang: str, body: str, pending: bool = False) -> str:
    return (f'<section class="summary-panel{" pending" if pending else ""}" data-lang="{lang}">'
            f"<h3>{html.escape(_label(lang))} <small>({lang})</small></h3>{body}</section>")


def render_partial(languages: list[str], ready: dict[str, str]) -> str:
    """The panels so far: summaries that are ready, and a place for each language still being made."""
    panels = []
    for lang in languages:
        if lang in ready:
            direction = "rtl" if LANGUAGES[lang].rtl else "ltr"
            panels.append(_panel(lang, f'<p class="summary-text" lang="{lang}" dir="{direction}">'
                                       f"{html.escape(ready[lang])}</p>"))
        else:
            panels.append(_panel(lang, '<p class="models">being translated…</p>', pending=True))
    return f'<div class="summaries">{"".join(panels)}</div>'


def describe(result: dict) -> str:
    source = result["source_language"]
    confidence = result["language_confidence"]
    detected = f"detected, confidence {confidence:.2f}" if confidence is not None else "given"
    chunks = f"{result['chunks']} chunks" if result["chunks"] > 1 else "read whole"
    return (f"**Source language:** {_label(source)} ({source}, {detected}) · **article:** {chunks} · "
            f"**time:** {result['timings'].get('total_s', 0):.1f} s")


def summarize_page(text: str, upload: str | None, languages: list[str], length: str, preset: str):
    """The Summarise button: each summary appears as soon as it is ready, then the status and the JSON file."""
    article = read_upload(upload) or text
    codes = _codes(languages)
    ready: dict[str, str] = {}
    arrived: queue.Queue = queue.Queue()
    future = _submit(article, languages, length, preset, "", lambda lang, summary: arrived.put((lang, summary)))
    yield "Summarising… (the first request loads the models)", render_partial(codes, ready), None
    while not future.done() or not arrived.empty():
        try:
            lang, summary = arrived.get(timeout=0.2)
        except queue.Empty:
            continue
        ready[lang] = summary
        yield f"Summarising… {len(ready)} of {len(codes)} ready", render_partial(codes, ready), None
    result = _result(future)
    with tempfile.NamedTemporaryFile("w", suffix=".json", prefix="summary-", delete=False,
                                     encoding="utf-8") as handle:
        json.dump(result, handle, ensure_ascii=False, indent=2)
    yield describe(result), render(result), handle.name


def _codes(languages) -> list[str]:
    from .languages import normalize_language

    codes = []
    for value in languages or []:
        try:
            codes.append(normalize_language(value))
        except SummarizerError:
            continue
    return list(dict.fromkeys(codes))


def models_banner(preset: str) -> str:
    """Which models the preset would use, and what to do where they are missing (loads nothing)."""
    from .hub import hub_reachable
    from .registry import download_command
    from .store import available_offline, models_dir

    names = get_summarizer(preset).router.required(DEFAULT_LANGUAGES)
    if hub_reachable():
        return f"Models ({preset}): {', '.join(names)}. They are fetched from the Hugging Face hub on first use."
    missing = [name for name in names if not available_offline(name)]
    if not missing:
        return f"Models ({preset}): {', '.join(names)} (from {models_dir()})."
    return (f"⚠️ The Hugging Face hub cannot be reached and these models are not in {models_dir()}: "
            f"{', '.join(missing)}. Run `{download_command(preset=preset, targets=DEFAULT_LANGUAGES[1:])}` where "
            "the hub can be reached and copy the model store here.")


def _example(name: str) -> str:
    path = EXAMPLES / name
    return path.read_text(encoding="utf-8") if path.is_file() else ""


CSS = """
.summary-panel {border: 1px solid var(--border-color-primary); border-radius: 8px; padding: 0.6em 1em;
                margin-bottom: 0.8em}
.summary-panel.pending {opacity: 0.6}
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
                "sentence by sentence; every result says which models made it. The JSON API is at "
                "[/docs](/docs).")
    banner = gr.Markdown()
    with gr.Row():
        with gr.Column(scale=1):
            article = gr.Textbox(label="Article", lines=14, max_lines=40, placeholder="Paste a news article here…")
            upload = gr.File(label=f"…or upload a file ({', '.join(UPLOAD_TYPES)})",
                             file_types=UPLOAD_TYPES, type="filepath")
            with gr.Row():
                languages = gr.Dropdown(choices=[(_label(code), code) for code in LANGUAGES],
                                        value=DEFAULT_LANGUAGES, multiselect=True, label="Summary languages")
                length = gr.Radio(choices=list(LENGTHS), value="short", label="Length")
            preset = gr.Dropdown(choices=[(f"{p.name}: {p.description}", p.name) for p in PRESETS.values()],
                                 value=lambda: current().config.preset, label="Models")
            button = gr.Button("Summarise", variant="primary")
        with gr.Column(scale=1):  # beside the article: in sight when the button is pressed
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

# Requests reach the service's own queue, which batches them and refuses beyond its size.
demo.queue(default_concurrency_limit=256, max_size=None)


def mount_options() -> dict:
    """Gradio's safety settings: no folder of the server's readable beyond its upload cache; uploads capped."""
    return {"css": CSS, "max_file_size": _state["max_upload_bytes"], "allowed_paths": []}


_servers: list = []
_server_lock = threading.Lock()


def launch(host: str = "127.0.0.1", port: int = 7860, **create) -> str:
    """Start the page and the API in this process on a background thread (tests); returns the URL."""
    import time

    import uvicorn

    from .server import create_app

    app = create_app(current(), page=demo, page_options=mount_options(), **create)
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning",
                                           timeout_graceful_shutdown=5))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    with _server_lock:
        _servers.append((server, thread))
    return f"http://{host}:{port}/"


def close() -> None:
    """Stop the servers `launch` started."""
    with _server_lock:
        while _servers:
            server, thread = _servers.pop()
            server.should_exit = True
            thread.join(timeout=30)
