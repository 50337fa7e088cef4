"""One server, two faces: the web page at ``/`` and a JSON API beside it, on one queue and one set of models.

    summarize serve [--host 127.0.0.1] [--port 7860] [--api-keys keys.json] [model and limit flags]
    python demo.py ...                                   # the same

API (OpenAPI docs at /docs): POST /v1/summarize, POST /v1/summarize/batch, GET /v1/languages, GET /v1/models,
GET /health, GET /metrics. Errors are JSON, ``{"error": {"code": ..., "message": ...}}``, with the CLI's
one-line message; bad input is 4xx. With API keys (`keys.py`) the API wants ``Authorization: Bearer KEY`` and
keeps each key's limits. SIGTERM stops taking requests and finishes those in flight (30 s at most).
"""

import asyncio  # no `from __future__ import annotations`: FastAPI reads the route functions' annotations
import os
import sys
import time
from collections.abc import Sequence
from typing import Any

from .errors import (
    EmptyTextError,
    InputError,
    ModelError,
    ModelLoadError,
    SummarizerError,
    TooLongError,
    UnsupportedLanguageError,
)
from .keys import KeyStore, LimitExceeded
from .models import generated_tokens
from .options import SummarizeOptions
from .pipeline import Request
from .registry import PRESETS
from .service import Closing, QueueFull, Service

MAX_BATCH_ARTICLES = 64  # articles in one POST /v1/summarize/batch
RETRY_AFTER_S = 5  # what a full queue tells clients to wait


# The HTTP status and stable code of each error, the first that matches (bad input is 4xx).
ERROR_CODES = ((QueueFull, 503, "queue_full"), (Closing, 503, "shutting_down"), (EmptyTextError, 400, "empty_text"),
               (UnsupportedLanguageError, 400, "unsupported_language"), (TooLongError, 413, "too_long"),
               (InputError, 400, "invalid_input"), (ModelLoadError, 503, "model_unavailable"),
               (ModelError, 500, "model_failed"))


def described(exc: Exception) -> tuple[int, str, str]:
    """The HTTP status, stable code and one-line message of an error (a timeout is 504; a bug says no more)."""
    if isinstance(exc, TimeoutError):
        return 504, "timeout", str(exc)
    status, code = next(((status, code) for kind, status, code in ERROR_CODES if isinstance(exc, kind)),
                        (500, "internal_error"))
    message = " ".join(str(exc).split()) or type(exc).__name__
    return status, code, message if isinstance(exc, SummarizerError) else "Internal error."


def create_app(service: Service, *, keys: KeyStore | None = None, request_timeout: float = 600.0,
               page=None, page_options: dict | None = None):
    """The FastAPI app of `service` (started and stopped with the app), with the Gradio `page` at ``/``."""
    import contextlib

    from fastapi import Body, FastAPI
    from fastapi import Request as HttpRequest
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import JSONResponse, PlainTextResponse

    state: dict[str, Any] = {"ready": False, "missing": []}

    @contextlib.asynccontextmanager
    async def lifespan(app):
        service.start()
        warm = asyncio.get_running_loop().run_in_executor(None, _warm_up, service, state)
        yield
        await asyncio.get_running_loop().run_in_executor(None, service.stop, 30.0)
        warm.cancel()

    app = FastAPI(title="Multilingual news summariser", lifespan=lifespan,
                  description="Summaries of news articles in their language and others, with the models that made "
                              "them and whether their numbers and names check out.")

    def failure(status: int, code: str, message: str, headers: dict | None = None) -> JSONResponse:
        service.metrics.count("summarizer_errors_total", code=code)
        return JSONResponse({"error": {"code": code, "message": message}}, status_code=status, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: HttpRequest, exc: RequestValidationError):
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(part) for part in first.get("loc", ()) if part != "body")
        return failure(422, "invalid_request", f"{where or 'body'}: {first.get('msg', 'not valid')}")

    @app.middleware("http")
    async def measure(request: HttpRequest, call_next):
        started = time.monotonic()
        response = await call_next(request)
        route = request.url.path if request.url.path.startswith(("/v1/", "/health", "/metrics")) else "page"
        service.metrics.count("summarizer_requests_total", route=route, status=str(response.status_code))
        if route.startswith("/v1/summarize"):
            service.metrics.observe("summarizer_request_seconds", time.monotonic() - started, route=route)
        return response

    def authorise(request: HttpRequest, characters: int) -> JSONResponse | None:
        if keys is None:
            return None
        header = request.headers.get("authorization", "")
        key = header[7:].strip() if header.lower().startswith("bearer ") else ""
        account = keys.find(key)
        if account is None:
            return failure(401, "unauthorized", "An API key is required: send 'Authorization: Bearer KEY'.",
                           {"WWW-Authenticate": "Bearer"})
        try:
            keys.charge(account, characters)
        except LimitExceeded as exc:
            return failure(429, exc.code, str(exc), {"Retry-After": str(exc.retry_after)})
        return None

    async def run(request: Request, options: SummarizeOptions, preset: str | None) -> dict:
        if preset is not None and preset not in PRESETS:
            raise InputError(f"Unknown preset {preset!r}. Presets: {', '.join(PRESETS)}.")
        future = service.submit(request, options, preset)
        try:
            result = await asyncio.wait_for(asyncio.wrap_future(future), timeout=request_timeout)
        except asyncio.TimeoutError:
            future.cancel()
            raise TimeoutError(f"No answer within {request_timeout:g} s; the article may be too long for now.") \
                from None
        return result.to_dict()

    def answer_error(exc: Exception) -> JSONResponse:
        status, code, message = described(exc)
        return failure(status, code, message, {"Retry-After": str(RETRY_AFTER_S)} if status == 503 else None)

    def options_of(body: dict) -> SummarizeOptions:
        base = service.config.options
        return SummarizeOptions(length=body.get("length", base.length), strict=body.get("strict", base.strict),
                                source_language=None, include_source=True)

    def request_of(body: dict, defaults: dict) -> Request:
        text = body.get("text")
        if not isinstance(text, str):
            raise InputError(f"text: the article is {type(text).__name__}, not text.")
        languages = body.get("languages", defaults.get("languages", ["en"]))
        source = body.get("source_language", defaults.get("source_language"))
        include = body.get("include_source", defaults.get("include_source", True))
        if source is not None and not isinstance(source, str):
            raise InputError("source_language must be a language code or null.")
        if not isinstance(include, bool):
            raise InputError("include_source must be true or false.")
        if not isinstance(languages, (list, str)):
            raise InputError("languages must be a list of language codes or a comma-separated string.")
        return Request(text, languages, source or None, include)

    @app.post("/v1/summarize", summary="Summarise one article",
              description="Body: text, languages (default [\"en\"]), length (short|medium|long), source_language, "
                          "strict, include_source (default true), preset. Answers the Summary as JSON.")
    async def summarize(request: HttpRequest, body: dict = Body(...)):  # noqa: B008 (FastAPI's idiom)
        refused = authorise(request, len(body.get("text") or "") if isinstance(body.get("text"), str) else 0)
        if refused:
            return refused
        try:
            return await run(request_of(body, {}), options_of(body), body.get("preset"))
        except (SummarizerError, TimeoutError) as exc:
            return answer_error(exc)

    @app.post("/v1/summarize/batch", summary="Summarise several articles",
              description="Body: articles (a list of {id, text, languages?, source_language?}), and the options of "
                          "/v1/summarize as defaults. Answers {results: [{id, result} or {id, error}]}, in order.")
    async def summarize_batch(request: HttpRequest, body: dict = Body(...)):  # noqa: B008
        articles = body.get("articles")
        if not isinstance(articles, list) or not articles:
            return failure(400, "invalid_input", "articles must be a non-empty list of {id, text} objects.")
        if len(articles) > MAX_BATCH_ARTICLES:
            return failure(413, "too_many_articles", f"{len(articles)} articles; at most {MAX_BATCH_ARTICLES} "
                                                     "per request.")
        size = sum(len(a.get("text") or "") for a in articles if isinstance(a, dict) and isinstance(a.get("text"),
                                                                                                     str))
        refused = authorise(request, size)
        if refused:
            return refused
        try:
            options = options_of(body)
        except SummarizerError as exc:
            return answer_error(exc)

        async def one(index: int, article: Any) -> dict:
            item_id = article.get("id", index) if isinstance(article, dict) else index
            try:
                if not isinstance(article, dict):
                    raise InputError("each article must be an object with a text")
                return {"id": item_id, "result": await run(request_of(article, body), options, body.get("preset"))}
            except (SummarizerError, TimeoutError) as exc:
                _status, code, message = described(exc)
                return {"id": item_id, "error": {"code": code, "message": message}}

        return {"results": await asyncio.gather(*(one(i, a) for i, a in enumerate(articles)))}

    @app.get("/v1/languages", summary="The languages summaries can be written in")
    async def languages():
        from .languages import LANGUAGES

        supported = service.summarizer().supported_languages()
        return {"languages": [{"code": lang.code, "name": lang.name, "native": lang.native, "rtl": lang.rtl}
                              for lang in LANGUAGES.values() if lang.code in supported]}

    @app.get("/v1/models", summary="Models configured, loaded and missing, and how to fetch them")
    async def models(request: HttpRequest):
        refused = authorise(request, 0)
        return refused or models_report(service)

    @app.get("/health", summary="ready once the models are loaded or known to be missing")
    async def health():
        status = "ready" if state["ready"] and not service.closing else "stopping" if service.closing else "loading"
        body = {"status": status, "queue": service.queue_length(), "missing": state["missing"]}
        return JSONResponse(body, status_code=200 if status == "ready" else 503)

    @app.get("/metrics", summary="Prometheus metrics", response_class=PlainTextResponse)
    async def metrics(request: HttpRequest):
        refused = authorise(request, 0)
        if refused:
            return refused
        service.metrics.set("summarizer_generated_tokens_total", generated_tokens())
        service.metrics.set("summarizer_queue_length", service.queue_length())
        return PlainTextResponse(service.metrics.render(), media_type="text/plain; version=0.0.4")

    if page is not None:
        import gradio as gr

        auth = (lambda _user, password: keys.find(password) is not None) if keys else None
        app = gr.mount_gradio_app(app, page, path="/", auth=auth, **(page_options or {}))
    return app


def _warm_up(service: Service, state: dict) -> None:
    """Load the configured summariser (or learn that it is missing), then say the service is ready."""
    summarizer = service.summarizer()
    name = summarizer.router.summarizer
    if name != "extractive":
        try:
            summarizer.load(name)
        except ModelLoadError:
            state["missing"].append(name)
    state["ready"] = True


def models_report(service: Service) -> dict:
    """What is configured, loaded and missing, and the command that fetches what is missing."""
    from .hub import hub_reachable
    from .registry import download_command
    from .store import available_offline, store_location

    summarizer = service.summarizer()
    plan = summarizer.plan(["en", "fr", "de", "es"], "en")
    configured = summarizer.router.required(["fr", "de", "es"])
    missing = [] if hub_reachable() else [name for name in configured if not available_offline(name)]
    folder, why = store_location()
    return {"preset": service.config.preset, "routes_for_english_articles": plan, "configured": configured,
            "loaded": service.cache.names(), "missing": missing, "store": str(folder), "store_is": why,
            "fetch": download_command(preset=service.config.preset, targets=["fr", "de", "es"]) if missing else None}


# ------------------------------------------------------------------------------------------------ command
def serve_parser():
    import argparse

    from .config import add_limit_flags, add_model_flags

    parser = argparse.ArgumentParser(prog="summarize serve", description="The web page and the JSON API, on one "
                                     "queue that batches concurrent requests (pip install -e '.[demo]').")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1, this machine)")
    parser.add_argument("--port", type=int, default=7860)
    parser.add_argument("--api-keys", metavar="FILE", default=os.environ.get("SUMMARIZER_API_KEYS"),
                        help="JSON file of API keys and their limits (default: $SUMMARIZER_API_KEYS; none: open)")
    parser.add_argument("--max-upload-mb", type=float, default=2.0, help="largest page upload in MB (default: 2)")
    parser.add_argument("--max-queue", type=int, default=64, help="requests waiting at most (default: 64)")
    parser.add_argument("--max-batch", type=int, default=32,
                        help="requests summarised together at most (default: 32; 1 turns batching off)")
    parser.add_argument("--batch-wait-ms", type=float, default=10.0,
                        help="a batch waits for company until none has come for this long (default: 10 ms)")
    parser.add_argument("--batch-gather-ms", type=float, default=250.0,
                        help="... and this long at most, for a burst of requests (default: 250 ms)")
    parser.add_argument("--request-timeout", type=float, default=600.0, help="seconds a request may take")
    parser.add_argument("--no-page", action="store_true", help="the JSON API only")
    add_model_flags(parser)
    add_limit_flags(parser)
    ray = parser.add_argument_group("scale-out on Ray Serve")
    ray.add_argument("--ray", action="store_true", help="run the API as a Ray Serve application")
    ray.add_argument("--address", help="Ray cluster to join (default: $RAY_ADDRESS, else a local cluster)")
    ray.add_argument("--replicas", type=int, default=1, help="model replicas (default: 1)")
    return parser


def serve_command(argv: Sequence[str]) -> int:
    """summarize serve: the page and the JSON API (or, with --ray, the API on Ray Serve)."""
    from .config import check_counts, config_from_args

    args = serve_parser().parse_args(argv)
    config = config_from_args(args)
    check_counts(args, "max_queue", "max_batch")
    keys = KeyStore.load(args.api_keys) if args.api_keys else None
    if args.host not in ("127.0.0.1", "localhost", "::1") and keys is None:
        print("WARNING: serving on " + args.host + " WITHOUT API KEYS: anyone who can reach this machine can use "
              "its models. Pass --api-keys FILE (see the README).", file=sys.stderr)
    if args.ray:
        from .serve_ray import run_on_ray

        return run_on_ray(config, args, keys)
    try:
        import uvicorn
    except ImportError:
        raise InputError("serve needs the web extra: pip install -e '.[demo]'") from None
    service = Service(config, max_queue=args.max_queue, max_batch=args.max_batch, max_wait_ms=args.batch_wait_ms,
                      max_gather_ms=args.batch_gather_ms)
    page, page_options = None, {}
    if not args.no_page:
        from . import page as web

        web.configure(service, max_upload_bytes=int(args.max_upload_mb * 1e6))
        page, page_options = web.demo, web.mount_options()
    app = create_app(service, keys=keys, request_timeout=args.request_timeout, page=page, page_options=page_options)
    print(f"serving on http://{args.host}:{args.port}/ (API docs at /docs)", file=sys.stderr, flush=True)
    config = uvicorn.Config(app, host=args.host, port=args.port, log_level="warning", timeout_graceful_shutdown=30)
    _graceful_server(config).run()
    return 0


def _graceful_server(config):
    """uvicorn's server, but a SIGTERM or SIGINT that it has handled gracefully (no new requests, those in
    flight finished, 30 s at most) ends the process with status 0, as a service manager expects, instead of
    re-raising the signal to die of it."""
    import contextlib
    import signal
    import threading

    import uvicorn

    class Server(uvicorn.Server):
        @contextlib.contextmanager
        def capture_signals(self):
            if threading.current_thread() is not threading.main_thread():
                yield
                return
            previous = {sig: signal.signal(sig, self.handle_exit) for sig in (signal.SIGINT, signal.SIGTERM)}
            try:
                yield
            finally:
                for sig, handler in previous.items():
                    signal.signal(sig, handler)

    return Server(config)


def main(argv: Sequence[str] | None = None) -> None:
    from .cli import cli

    sys.exit(cli(["serve", *(sys.argv[1:] if argv is None else argv)]))
