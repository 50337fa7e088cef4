"""The JSON API: its routes, on one `Service` (its queue and models), with the page mounted at ``/``.

POST /v1/summarize, POST /v1/summarize/batch, GET /v1/languages, GET /v1/models (each needs the API key
when there are keys), GET /health, GET /metrics; OpenAPI docs at /docs. The bodies are `request.Request`
(schemas.py). Errors are ``{"error": {"code": ..., "message": ...}}`` with the status of their class
(errors.py, answered by answers.py); bad input is 4xx, and so is an unknown /v1/ route or method. A request
whose client has gone is dropped from the queue (499 client_gone in the metrics). Before a summarising
route's body is parsed, the request counts against its key's rate and the body's size is checked on its
bytes (json_shape.py): a body of millions of empty objects is never built.
"""

import asyncio  # no `from __future__ import annotations`: FastAPI reads the route functions' annotations
import concurrent.futures
import contextlib
import http
import logging
from typing import Annotated, Any

from fastapi import Depends, FastAPI
from fastapi import Request as HttpRequest
from fastapi.exceptions import RequestValidationError
from fastapi.responses import PlainTextResponse
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.exceptions import HTTPException

from ..errors import (
    ERROR_CODES,
    ClientGoneError,
    InternalError,
    InvalidRequestError,
    SummarizerError,
    TimedOutError,
    TooManyArticlesError,
    error_body,
)
from ..models.base import generated_tokens
from ..options import validation_message
from ..request import Request, Resolved
from .admission import Admission
from .answers import SafeJSON, error_response
from .guards import Guard, Measure, bearer_key, missing_key
from .json_shape import BodyLimits, check_shape
from .keys import Account, KeyStore
from .schemas import BatchAnswer, BatchRequest, SummaryAnswer, error_responses
from .service import Service

log = logging.getLogger(__name__)
# Codes for the statuses that FastAPI and Starlette answer by themselves (a body that is not JSON, too large).
HTTP_CODES = {400: InvalidRequestError.code, 408: "too_slow", 413: "too_long", 422: InvalidRequestError.code}


def create_app(service: Service, *, keys: KeyStore | None = None, page: bool = False) -> FastAPI:
    """The FastAPI app of `service` (started and stopped with the app), with the page at ``/`` if `page`."""
    settings = service.settings
    state: dict[str, Any] = {"ready": False, "missing": []}

    @contextlib.asynccontextmanager
    async def lifespan(app):
        service.start()
        warm = asyncio.get_running_loop().run_in_executor(None, _warm_up, service, state)
        yield
        await asyncio.get_running_loop().run_in_executor(None, service.stop)
        warm.cancel()

    app = FastAPI(title="Multilingual news summariser", lifespan=lifespan, default_response_class=SafeJSON,
                  description="Summaries of news articles in their language and others, with the models that made "
                              "them and whether the article holds what they say. Error codes: " +
                              "; ".join(f"{code} ({status})" for code, (status, _) in ERROR_CODES.items()))
    app.add_middleware(Guard, settings=settings, keys=keys, metrics=service.metrics)
    app.add_middleware(Admission, settings=settings, keys=keys,  # before Guard: caps, repeated failed keys
                       metrics=service.metrics)
    app.add_middleware(Measure, metrics=service.metrics)

    def answer(error: SummarizerError, headers: dict[str, str] | None = None) -> SafeJSON:
        return error_response(error, metrics=service.metrics, retry_after=settings.retry_after, headers=headers)

    @app.exception_handler(SummarizerError)
    async def refused(request: HttpRequest, exc: SummarizerError):
        return answer(exc)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: HttpRequest, exc: RequestValidationError):
        return answer(InvalidRequestError(validation_message(exc.errors())))

    @app.exception_handler(HTTPException)
    async def http_error(request: HttpRequest, exc: HTTPException):
        error = SummarizerError(str(exc.detail))
        error.status = exc.status_code
        error.code = HTTP_CODES.get(exc.status_code) or http.HTTPStatus(exc.status_code).phrase.lower().replace(
            " ", "_")
        return answer(error, getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def bug(request: HttpRequest, exc: Exception):  # logged by the server; the client learns no more
        return answer(InternalError("Internal error."))

    bearer = HTTPBearer(auto_error=False, description="an API key from the key file (when the server has one)")

    def account_of(credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> Account | None:
        """The key's account (None on an open server); 401 without a valid key."""
        if keys is None:
            return None
        account = keys.find(credentials.credentials if credentials else "")
        if account is None:
            raise missing_key()
        return account

    Key = Annotated[Account | None, Depends(account_of)]

    async def outcome(http_request: HttpRequest, futures: list[concurrent.futures.Future]) -> list:
        """Each future's Summary or SummarizerError, waiting at most the request timeout. A client that leaves
        (or a timeout) drops from the queue what has not started."""
        everything = asyncio.ensure_future(asyncio.gather(*map(asyncio.wrap_future, futures), return_exceptions=True))
        gone = asyncio.ensure_future(_disconnected(http_request))
        await asyncio.wait({everything, gone}, timeout=settings.request_timeout, return_when=asyncio.FIRST_COMPLETED)
        left = gone.done() and not everything.done()
        gone.cancel()
        if everything.done():
            return [r if isinstance(r, SummarizerError) or not isinstance(r, BaseException) else
                    InternalError("Internal error.") for r in everything.result()]
        for future in futures:
            service.abandon(future)
        everything.add_done_callback(lambda done: done.cancelled() or done.exception())  # read: no log noise
        everything.cancel()
        if left:  # nobody reads the answer: its own status (499) in the metrics, not a timeout
            log.info("a client left before its answer: %d article(s) dropped or stopped", len(futures))
            return [ClientGoneError("The client left before its answer was ready.")] * len(futures)
        return [TimedOutError(f"No answer within {settings.request_timeout:g} s (request timeout); the article "
                              "may be too long for now.")] * len(futures)  # a client that has gone reads nothing

    limits = BodyLimits.of(settings.max_batch_articles, service.config.max_languages)

    class CheckedRoute(APIRoute):
        """A summarising route: before FastAPI parses the body, the request counts against its key's rate
        (valid or not: `KeyStore.admit`) and the body's size is checked on its bytes (`check_shape`)."""

        def get_route_handler(self):
            handler = super().get_route_handler()

            async def checked(http_request: HttpRequest):
                account = keys.find(bearer_key(http_request.headers.raw)) if keys is not None else None
                if account is not None:
                    keys.admit(account)
                    http_request.state.admitted = True
                check_shape(await http_request.body(), limits)
                return await handler(http_request)

            return checked

    def summarizing(path: str, **options):
        """`app.post` for a summarising route: its route class is `CheckedRoute`."""
        def add(endpoint):
            app.router.add_api_route(path, endpoint, methods=["POST"], route_class_override=CheckedRoute, **options)
            return endpoint

        return add

    def submit(http_request: HttpRequest, requests: list[Resolved], account: Account | None, articles: int):
        counted = 1 if getattr(http_request.state, "admitted", False) else 0  # by `CheckedRoute`
        return service.submit_paid(requests, keys, account, articles=articles, counted=counted)

    @summarizing("/v1/summarize", summary="Summarise one article", response_model=SummaryAnswer,
              responses=error_responses(401, 413, 422, 429, 503, 504))
    async def summarize(body: Request, http_request: HttpRequest, account: Key):
        request = await asyncio.to_thread(service.prepare, body)  # off the loop: it may make a Summarizer
        futures, bill = await asyncio.to_thread(submit, http_request, [request], account, 1)
        (result,) = await outcome(http_request, futures)
        bill.settle(request.text, result)
        if isinstance(result, SummarizerError):
            raise result
        return result

    @summarizing("/v1/summarize/batch", summary="Summarise several articles", response_model=BatchAnswer,
              responses=error_responses(401, 413, 422, 429, 503),
              description="Each article is answered in order, with its result or its own error.")
    async def summarize_batch(body: BatchRequest, http_request: HttpRequest, account: Key):
        if len(body.articles) > settings.max_batch_articles:
            raise TooManyArticlesError(f"{len(body.articles)} articles; at most {settings.max_batch_articles} "
                                       "per request (max_batch_articles).")
        outcomes: list[Any] = []
        for request in body.requests():
            try:
                outcomes.append(await asyncio.to_thread(service.prepare, request))
            except SummarizerError as exc:
                outcomes.append(exc)
        accepted = [o for o in outcomes if isinstance(o, Resolved)]
        futures, bill = await asyncio.to_thread(submit, http_request, accepted, account, len(body.articles))
        got = await outcome(http_request, futures) if accepted else []
        if any(isinstance(result, ClientGoneError) for result in got):
            bill.refund()
            raise ClientGoneError("The client left before its answer was ready.")
        results = iter(got)
        answers = []
        for index, (article, item) in enumerate(zip(body.articles, outcomes, strict=True)):
            result = next(results) if isinstance(item, Resolved) else item
            if isinstance(item, Resolved):
                bill.settle(item.text, result)
            answers.append({"id": index if article.id is None else article.id, **(
                error_body(result) if isinstance(result, SummarizerError) else {"result": result})})
        return {"results": answers}

    @app.get("/v1/languages", summary="The languages summaries can be written in")
    async def languages(account: Key):
        from ..languages import LANGUAGES

        supported = service.summarizers.get().supported_languages()
        return {"languages": [{"code": lang.code, "name": lang.name, "native": lang.native, "rtl": lang.rtl}
                              for lang in LANGUAGES.values() if lang.code in supported]}

    @app.get("/v1/models", summary="Models configured, loaded and missing, and how to fetch them")
    async def models(account: Key):
        return models_report(service)

    @app.get("/health", summary="ready once the models are loaded or known to be missing")
    async def health():
        status = "stopping" if service.closing else "ready" if state["ready"] else "loading"
        body = {"status": status, "queue": service.queue_length(), "in_flight": service.in_flight(),
                "missing": state["missing"]}
        return SafeJSON(body, status_code=200 if status == "ready" else 503,
                        headers=None if status == "ready" else {"Retry-After": str(settings.retry_after)})

    @app.get("/metrics", summary="Prometheus metrics", response_class=PlainTextResponse)
    async def metrics(account: Key):
        service.metrics.set("summarizer_generated_tokens_total", generated_tokens())
        service.metrics.set("summarizer_queue_length", service.queue_length())
        return PlainTextResponse(service.metrics.render(), media_type="text/plain; version=0.0.4")

    _answer_misses(app)
    _document_limits(app, service)
    if page:
        from .page import mount_page

        app = mount_page(app, service, keys)
    return app


async def _disconnected(http_request: HttpRequest) -> None:
    """Return once the client has gone (its body has been read: what comes next is the disconnect)."""
    while (await http_request.receive())["type"] != "http.disconnect":
        pass


def _answer_misses(app: FastAPI) -> None:
    """An unknown /v1/ route (404) or a method a route of the API does not take (405) answered in the
    documented form, by the API itself: with the page mounted at ``/``, they would otherwise reach the page's
    app, which answers ``{"detail": ...}``."""
    routes = [route for route in app.routes if isinstance(route, APIRoute)]
    everything = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]

    async def miss(http_request: HttpRequest):
        path = http_request.url.path
        allowed = sorted({method for route in routes if route.path_regex.match(path) for method in route.methods})
        if allowed:
            raise HTTPException(405, f"{http_request.method} is not a method of {path}; it takes "
                                     f"{', '.join(allowed)}.", headers={"Allow": ", ".join(allowed)})
        raise HTTPException(404, f"No route {path}: the API's routes are listed at /docs.")

    for path in ("/v1", "/v1/{rest:path}", "/health", "/metrics"):
        app.add_api_route(path, miss, methods=everything, include_in_schema=False)


def _document_limits(app: FastAPI, service: Service) -> None:
    """The OpenAPI schema with this server's limits and defaults in it (they depend on its configuration)."""
    plain = app.openapi

    def openapi() -> dict:
        if app.openapi_schema is None:
            schema = plain()
            parts = schema.get("components", {}).get("schemas", {})
            for name in ("Request", "BatchArticle"):
                if name in parts:
                    parts[name]["properties"]["text"]["maxLength"] = service.config.max_chars
            for name in ("Request", "BatchArticle", "BatchRequest"):
                if name in parts:
                    parts[name]["properties"]["languages"]["maxItems"] = service.config.max_languages
            if "BatchRequest" in parts:
                parts["BatchRequest"]["properties"]["articles"]["maxItems"] = service.settings.max_batch_articles
            defaults = service.config.options.with_defaults().model_dump()  # what a field left out takes here
            defaults["preset"] = service.config.preset
            for name in ("Request", "BatchArticle", "BatchRequest"):
                for field, value in defaults.items():
                    if name in parts and field in parts[name]["properties"]:
                        parts[name]["properties"][field]["default"] = value
        return app.openapi_schema

    app.openapi = openapi


def _warm_up(service: Service, state: dict) -> None:
    """Load the configured summariser (or learn that it is missing), then say the service is ready, whatever
    happened: a model that cannot be loaded is reported missing, never a server that stays 'loading'."""
    try:
        state["missing"] += service.warm_up()
    except Exception:
        log.exception("warming up the service failed")
    finally:
        state["ready"] = True


def models_report(service: Service) -> dict:
    """What is configured, loaded and missing, and the command that fetches what is missing."""
    from ..models.hub import hub_reachable, missing_sentence
    from ..models.reference import available_offline
    from ..models.registry import download_command
    from ..models.store import store_location

    summarizer = service.summarizers.get()
    plan = summarizer.plan(["en", "fr", "de", "es"], "en").chains
    configured = summarizer.router.required(["fr", "de", "es"])
    missing = [] if hub_reachable() else [name for name in configured if not available_offline(name)]
    folder, why = store_location()
    return {"preset": service.config.preset, "routes_for_english_articles": plan, "configured": configured,
            "loaded": service.cache.names(), "missing": missing, "store": str(folder), "store_is": why,
            "fetch": download_command(models=missing) if missing else None,
            "message": f"The configured models need {missing_sentence(missing)}" if missing else None}
