"""The web page: paste or upload a news article, pick languages, read each summary as soon as it is ready.

`build_page(service, keys)` makes the page of one service (its queue, its models); `mount_page` serves it
at ``/`` beside the JSON API (`summarize serve`). Nothing is built at import and the module keeps no state.
With API keys the page asks for a login, the key's name as the user name and the key as the password, and
each summary counts against that key's limits, as an API request does. Its named endpoint ``/summarize``
answers `Summary.to_dict()`:

    from gradio_client import Client
    Client("http://127.0.0.1:7860").predict(text=article, languages=["en", "fr"], api_name="/summarize")
"""

from __future__ import annotations

import html
import json
import queue
import tempfile
from pathlib import Path

import gradio as gr

from ..batch.inputs import ARTICLE_SUFFIXES, file_text
from ..errors import SummarizerError
from ..languages import LANGUAGES, normalize_language
from ..models.base import LENGTHS
from ..models.registry import PRESETS
from ..request import Request
from ..result import describe_made
from .evidence_html import EVIDENCE_CSS, EVIDENCE_JS, article_html, score_html, summary_html
from .keys import Bill, KeyStore
from .page_inputs import PageInputs
from .service import Service
from .uploads import UPLOAD_TYPES, PageFiles, Uploads, gradio_user

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
PAGE_LANGUAGES = ["en", "fr", "de", "es"]  # ticked when the page opens
KEEP_FILES_S = 3600  # the page's JSON downloads are deleted after this long
LOGIN = "Log in with your API key: its name as the user name, the key itself as the password."


def user_error(message: str) -> gr.Error:
    """An error the person can fix: shown on the page, and not logged as a traceback on the server. Gradio shows
    its message as HTML, so <, > and & in it (a file's name, a piece of the article) are escaped."""
    return gr.Error(html.escape(message, quote=False), print_exception=False)


def _label(code: str) -> str:
    lang = LANGUAGES[code]
    return lang.native if lang.native == lang.name else f"{lang.native} · {lang.name}"


def upload_text(name: str, data: bytes, limit: int) -> str:
    """Text of an uploaded .txt/.md/.html file (`name`, its `data`), checked for type and size (`limit` bytes)."""
    if Path(name).suffix.lower() not in ARTICLE_SUFFIXES:
        raise user_error(f"{name}: only {', '.join(UPLOAD_TYPES)} files can be summarised.")
    if len(data) > limit:
        raise user_error(f"{name} is over the {limit:,}-byte upload limit.")
    try:
        return file_text(data, name)
    except SummarizerError as exc:
        raise user_error(str(exc)) from None


def read_upload(uploads: Uploads, path: str | None, owner: str | None, limit: int) -> str:
    """Text of `owner`'s upload at `path` (a path the upload route wrote for them, deleted once read), or ""."""
    if not path:
        return ""
    try:
        name, data = uploads.take(path, owner)
    except SummarizerError as exc:
        raise user_error(str(exc)) from None
    return upload_text(name, data, limit)


def render(result: dict, article: str | None = None) -> str:
    """The summaries as HTML: every text escaped, right-to-left scripts set right to left, each sentence linked to
    the article sentences behind it (`evidence_html`); with `article`, the article pane those links point at."""
    panels = []
    evidence = result.get("evidence") or {}
    for lang in [*result["summaries"], *result["errors"]]:
        direction = "rtl" if LANGUAGES[lang].rtl else "ltr"
        notes = "".join(f'<li class="warning">{html.escape(w)}</li>'
                        for w in result["language_warnings"].get(lang, []) if not w.startswith("error: "))
        if lang in result["errors"]:
            body = f'<p class="summary-error">{html.escape(result["errors"][lang])}</p>'
        else:
            badge = "" if result["faithful"].get(lang, True) else \
                ' <span class="unfaithful">⚠ not faithful to the source: see the notes below</span>'
            found = evidence.get(lang)
            text = summary_html(result["summaries"][lang], found)
            score = f" {score_html(found)}" if found else ""
            made = result.get("made", {}).get(lang)
            body = (f'<p class="summary-text" lang="{lang}" dir="{direction}">{text}</p>{badge}'
                    f'<p class="models">{html.escape(" → ".join(result["models"][lang]))}{score}</p>'
                    + (f'<p class="made">{html.escape(describe_made(made))}</p>' if made else ""))
        panels.append(_panel(lang, body + (f"<ul>{notes}</ul>" if notes else "")))
    warnings = "".join(f'<li class="{"loud" if w.isupper() or "UNAVAILABLE" in w else "warning"}">'
                       f"{html.escape(w)}</li>" for w in result["warnings"])
    return ((f'<ul class="general-warnings">{warnings}</ul>' if warnings else "")
            + f'<div class="summaries">{"".join(panels)}</div>' + (article_html(article) if article else ""))


def _panel(lang: str, body: str, pending: bool = False) -> str:
    return (f'<section class="summary-panel{" pending" if pending else ""}" data-lang="{lang}">'
            f"<h3>{html.escape(_label(lang))} <small>({lang})</small></h3>{body}</section>")


def render_partial(languages: list[str], ready: dict[str, str], article: str | None = None) -> str:
    """The panels so far: summaries that are ready, and a place for each language still being made."""
    panels = []
    for lang in languages:
        if lang in ready:
            direction = "rtl" if LANGUAGES[lang].rtl else "ltr"
            panels.append(_panel(lang, f'<p class="summary-text" lang="{lang}" dir="{direction}">'
                                       f"{html.escape(ready[lang])}</p>"))
        else:
            panels.append(_panel(lang, '<p class="models">being translated…</p>', pending=True))
    return f'<div class="summaries">{"".join(panels)}</div>' + (article_html(article) if article else "")


def describe(result: dict) -> str:
    source = result["source_language"]
    confidence = result["language_confidence"]
    detected = f"detected, confidence {confidence:.2f}" if confidence is not None else "given"
    chunks = f"{result['chunks']} chunks" if result["chunks"] > 1 else "read whole"
    return (f"**Source language:** {_label(source)} ({source}, {detected}) · **article:** {chunks} · "
            f"**time:** {result['timings'].get('total_s', 0):.1f} s")


def models_banner(service: Service, preset: str) -> str:
    """Which models the preset would use, and what to do where they are missing (loads nothing)."""
    from ..models.hub import hub_reachable, missing_sentence
    from ..models.reference import available_offline
    from ..models.store import models_dir

    names = service.summarizers.get(preset).router.required(PAGE_LANGUAGES)
    if hub_reachable():
        return f"Models ({preset}): {', '.join(names)}. They are fetched from the Hugging Face hub on first use."
    missing = [name for name in names if not available_offline(name)]
    if not missing:
        return f"Models ({preset}): {', '.join(names)} (from {models_dir()})."
    return (f"⚠️ Models ({preset}) need {missing_sentence(missing)} (where the hub can be reached; then copy the "
            f"model store, {models_dir()}, here)")


def _example(name: str) -> str:
    path = EXAMPLES / name
    return path.read_text(encoding="utf-8") if path.is_file() else ""


def _codes(languages) -> list[str]:
    codes = []
    for value in languages or []:
        try:
            codes.append(normalize_language(value))
        except SummarizerError:
            continue
    return list(dict.fromkeys(codes))


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
""" + EVIDENCE_CSS


def build_page(service: Service, keys: KeyStore | None = None, *, keep_files_s: int = KEEP_FILES_S,
               uploads: Uploads | None = None) -> gr.Blocks:
    """The page of `service`: its requests go to the service's queue, charged to the logged-in key. It reads only
    the files recorded in `uploads` (`mount_page` records them; none without it)."""
    upload_limit = service.settings.max_upload_bytes
    uploads = uploads or Uploads(service.settings, keys)

    def submit(text: str, languages, length: str, preset: str, source_language: str, request: gr.Request | None,
               partial=None):
        """The page's request, checked, charged to its key and queued: (future, bill, the article)."""
        account = keys.named(getattr(request, "username", None)) if keys else None
        if keys and account is None:
            raise user_error(LOGIN)
        try:
            checked = service.prepare(Request(text=text, languages=languages, length=length or None,
                                              preset=preset or None, source_language=source_language or None,
                                              include_source=False))
            (future,), bill = service.submit_paid([checked], keys, account, partial=partial)
        except SummarizerError as exc:
            raise user_error(str(exc)) from None
        return future, bill, checked.text

    def result_of(future, bill: Bill, text: str) -> dict:
        try:
            return future.result().to_dict()
        except SummarizerError as exc:
            bill.settle(text, exc)
            raise user_error(str(exc)) from None

    def summarize(text: str, languages: list[str], length: str = "", preset: str = "",
                  source_language: str = "", request: gr.Request = None) -> dict:
        """Summarise `text` into `languages` (through the shared queue); returns Summary.to_dict()."""
        future, bill, checked = submit(text, languages, length, preset, source_language, request)
        try:
            return result_of(future, bill, checked)
        finally:
            service.abandon(future)  # the caller left before it ran (nothing, if it is done)

    def summarize_page(text: str, upload: str | None, languages: list[str], length: str, preset: str,
                       request: gr.Request):
        """The Summarise button: each summary appears as soon as it is ready, then the status and the JSON file."""
        article = read_upload(uploads, upload, getattr(request, "username", None), upload_limit) or text
        codes = _codes(languages)
        ready: dict[str, str] = {}
        arrived: queue.Queue = queue.Queue()
        future, bill, checked = submit(article, languages, length, preset, "", request,
                                       lambda lang, summary: arrived.put((lang, summary)))
        try:
            yield "Summarising… (the first request loads the models)", render_partial(codes, ready, article), None
            while not future.done() or not arrived.empty():
                try:
                    lang, summary = arrived.get(timeout=0.2)
                except queue.Empty:
                    continue
                ready[lang] = summary
                yield f"Summarising… {len(ready)} of {len(codes)} ready", render_partial(codes, ready, article), None
            result = result_of(future, bill, checked)
            with tempfile.TemporaryDirectory(prefix="summary-") as folder:  # Gradio keeps its own copy
                path = Path(folder) / "summary.json"
                path.write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
                yield describe(result), render(result, article), str(path)
        finally:
            service.abandon(future)  # the page was closed before its summary started: drop it

    with gr.Blocks(title="Multilingual news summariser", delete_cache=(keep_files_s, keep_files_s)) as page:
        gr.Markdown("# Multilingual news summariser\nPaste a news article (or upload a file), choose languages, "
                    "and get a short summary in each. Summaries are made by the article's summariser and "
                    "translated sentence by sentence; every result says which models made it. The JSON API is at "
                    "[/docs](/docs).")
        banner = gr.Markdown()
        with gr.Row():
            with gr.Column(scale=1):
                article = gr.Textbox(label="Article", lines=14, max_lines=40,
                                     placeholder="Paste a news article here…")
                upload = gr.File(label=f"…or upload a file ({', '.join(UPLOAD_TYPES)})",
                                 file_types=UPLOAD_TYPES, type="filepath")
                with gr.Row():
                    languages = gr.Dropdown(choices=[(_label(code), code) for code in LANGUAGES],
                                            value=PAGE_LANGUAGES, multiselect=True, label="Summary languages")
                    length = gr.Radio(choices=list(LENGTHS), value=service.config.options.with_defaults().length,
                                      label="Length")
                preset = gr.Dropdown(choices=[(f"{p.name}: {p.description}", p.name) for p in PRESETS.values()],
                                     value=service.config.preset, label="Models")
                button = gr.Button("Summarise", variant="primary")
            with gr.Column(scale=1):  # beside the article: in sight when the button is pressed
                status = gr.Markdown(elem_id="status")
                panels = gr.HTML(elem_id="summaries", js_on_load=EVIDENCE_JS)
                download = gr.File(label="Whole result (JSON)", interactive=False, height=70)
        gr.Examples(
            examples=[[_example("riverton_bridge.txt"), ["en", "fr", "ja"]],
                      [_example("lyon_tram.txt"), ["fr", "en", "uk"]]],
            inputs=[article, languages], label="Examples (written for this project)")

        def banner_of(name: str) -> str:
            return models_banner(service, name)

        button.click(summarize_page, inputs=[article, upload, languages, length, preset],
                     outputs=[status, panels, download], api_name="summarize_page")
        gr.api(summarize, api_name="summarize")
        page.load(banner_of, inputs=[preset], outputs=[banner], api_visibility="private")
        preset.change(banner_of, inputs=[preset], outputs=[banner], api_visibility="private")
    # Requests reach the service's own queue, which batches them and refuses beyond its size.
    page.queue(default_concurrency_limit=256, max_size=None)
    return page


def mount_page(app, service: Service, keys: KeyStore | None = None, **page_options):
    """`app` with the page of `service` at ``/``: a login when there are keys; uploads counted against the key,
    capped and deleted once read; no other file of the server's readable (uploads.py)."""
    from gradio.routes import App
    from starlette.routing import Mount

    uploads = Uploads(service.settings, keys)
    app = gr.mount_gradio_app(app, build_page(service, keys, uploads=uploads, **page_options), path="/",
                              auth=keys.login if keys else None, auth_message=LOGIN if keys else None, css=CSS,
                              max_file_size=service.settings.max_upload_bytes, allowed_paths=[])
    page_app = next(route.app for route in app.routes if isinstance(route, Mount) and isinstance(route.app, App))
    page_app.add_middleware(PageFiles, uploads=uploads, user=gradio_user(page_app),
                            folder=page_app.uploaded_file_dir, metrics=service.metrics,
                            inputs=PageInputs(page_app.get_blocks()))
    return app
