"""One request model for every door, and one home for each rule (issue 20, sections 2 and 3): the request's
rules, the doors that build it, the settings and errors every door shares. In-process, on tiny models."""

from __future__ import annotations

import json
import pickle
import re
import threading
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from summarizer import Config, Request, SummarizeOptions, Summarizer
from summarizer.cli.main import cli
from summarizer.errors import (
    ERROR_CODES,
    InputError,
    ModelError,
    ModelLoadError,
    QueueFullError,
    SummarizerError,
    TooLongError,
    UnknownPresetError,
    UnsupportedLanguageError,
)
from summarizer.request import Resolved, with_source
from summarizer.server.api import create_app
from summarizer.server.service import Service
from summarizer.server.settings import ServerSettings
from tests.articles import COUNCIL as ARTICLE
from tests.configs import tiny_config

PACKAGE = Path(__file__).resolve().parent.parent / "summarizer"


# ------------------------------------------------------------------ the request and its rules
def test_a_request_normalises_its_languages_and_takes_the_configurations_defaults():
    config = Config(preset="extractive", options=SummarizeOptions(length="long", summary_tokens=7,
                                                                  source_language="French", include_source=False))
    request = Request(text="x", languages="French, DE,fr").resolve(config)
    assert request.targets == ("fr", "de") and request.preset == "extractive"
    options = request.options
    assert (options.length, options.summary_tokens, options.source_language, options.include_source) == \
        ("long", 7, "fr", False)
    given = Request(text="x", languages=["ja"], length="short", include_source=True).resolve(config)
    assert given.options == SummarizeOptions(languages=["ja"], length="short", source_language="fr",
                                             include_source=True, summary_tokens=7, preset="extractive")
    assert Request(text="x").resolve(Config()).targets == ("en",)  # the default language
    assert Request(text="x", languages=[]).resolve(Config()).targets == ()  # only its own
    assert Request(text="x", length=None).resolve(config).options.length == "long"  # None: the configuration's
    assert with_source("de", ("fr", "de"), True) == ("de", "fr") and with_source("de", ("fr",), False) == ("fr",)


def test_requests_share_a_batch_only_when_they_run_the_models_alike():
    config = Config()
    a = Request(text="a", languages=["fr"]).resolve(config)
    b = Request(text="b", languages=["ja"], source_language="de").resolve(config)
    assert a.batch_key == b.batch_key  # languages and sources differ within a batch
    for change in ({"length": "long"}, {"strict": True}, {"preset": "fast"}, {"summary_tokens": 5}):
        assert Request(text="a", **change).resolve(config).batch_key != a.batch_key, change


@pytest.mark.parametrize(("fields", "error", "message"), [
    ({"text": 42}, InputError, "text: Input should be a valid string"),
    ({"text": "x", "length": "huge"}, InputError, "length: Input should be 'short', 'medium' or 'long'"),
    ({"text": "x", "preset": "../../etc"}, InputError, "preset: Input should be 'default'"),
    ({"text": "x", "include_source": "yes"}, InputError, "include_source: Input should be a valid boolean"),
    ({"text": "x", "lenght": "long"}, InputError, "lenght: Extra inputs are not permitted"),
    ({"text": "x", "summary_tokens": 10_000}, InputError, "summary_tokens: Input should be less than or equal"),
])
def test_a_field_of_the_wrong_shape_is_an_input_error_naming_it(fields, error, message):
    with pytest.raises(error, match=re.escape(message)):
        Request(**fields)


@pytest.mark.parametrize(("request_", "config", "error", "message"), [
    (Request(text="x" * 51), Config(max_chars=50), TooLongError, "the limit is 50"),
    (Request(text="x", languages=["fr", "de", "es"]), Config(max_languages=2), InputError, "the limit is 2"),
    (Request(text="x", languages=["xx"]), Config(), UnsupportedLanguageError, "'xx' is not a known language"),
    (Request(text="x", source_language="zz"), Config(), UnsupportedLanguageError, "'zz' is not a known language"),
])
def test_what_a_request_asks_is_checked_against_the_configuration(request_, config, error, message):
    with pytest.raises(error, match=re.escape(message)):
        request_.resolve(config)


# ------------------------------------------------------------------ every door builds it
@pytest.fixture
def recorded(monkeypatch):
    """Every batch of resolved requests the pipeline runs, from any door."""
    seen: list[list[Resolved]] = []
    original = Summarizer._summarize

    def record(self, items, *args, **kwargs):
        seen.append(list(items))
        return original(self, items, *args, **kwargs)

    monkeypatch.setattr(Summarizer, "_summarize", record)
    return seen


def test_the_cli_and_the_api_send_the_same_request(recorded, tmp_path, capsys):
    article = tmp_path / "a.txt"
    article.write_text(ARTICLE, encoding="utf-8")
    assert cli([str(article), "--preset", "extractive", "--to", "fr,German", "--length", "long", "--quiet",
                "--format", "jsonl", "--translator", "fr=x/y", "--no-source"]) == 1  # no translators here
    from_cli = recorded[-1][0]
    with TestClient(create_app(Service(Config(preset="extractive", device="cpu")))) as client:
        client.post("/v1/summarize", json={"text": ARTICLE, "languages": ["fr", "de"], "length": "long",
                                           "include_source": False})
    from_api = recorded[-1][0]
    assert from_cli == from_api  # the same typed request, resolved alike


# ------------------------------------------------------------------ section 2: bugs found by reading
def test_max_models_bounds_the_cache_outside_the_server(tiny):
    summarizer = Summarizer(tiny_config(tiny, max_models=2))
    assert summarizer.cache.max_models == 2
    summarizer.summarize(ARTICLE, ["fr", "ja"])  # the summariser and two translators: three models
    assert len(summarizer.cache) == 2


def test_the_api_keeps_the_configured_exact_lengths(tiny):
    config = tiny_config(tiny, options=SummarizeOptions(summary_tokens=6, translation_tokens=5))
    expected = Summarizer(config).summarize(ARTICLE, ["fr"])
    with TestClient(create_app(Service(config))) as client:
        answer = client.post("/v1/summarize", json={"text": ARTICLE, "languages": ["fr"]}).json()
    assert answer["summaries"] == expected.summaries


def test_an_unknown_preset_is_an_input_error_not_a_missing_model():
    for build in (lambda: Config(preset="nope"), lambda: Summarizer("nope")):
        with pytest.raises(UnknownPresetError, match=r"Unknown preset 'nope'\. Available presets: default") as info:
            build()
        assert isinstance(info.value, InputError) and not isinstance(info.value, OSError)
        assert info.value.code == "invalid_input" and info.value.status == 400


def test_a_json_file_is_json_lines_to_every_door(tmp_path, capsys):
    from summarizer.batch.on_ray import input_kind
    from summarizer.batch.outputs import format_for

    feed = tmp_path / "feed.json"
    feed.write_text(json.dumps({"id": "a", "text": ARTICLE}) + "\n" + json.dumps({"id": "b", "text": ARTICLE}) + "\n")
    assert cli([str(feed), "--preset", "extractive", "--to", "en", "--format", "jsonl", "--quiet"]) == 0
    assert [json.loads(line)["id"] for line in capsys.readouterr().out.splitlines()] == ["a", "b"]
    assert input_kind([str(feed)]) == "jsonl" and format_for(str(tmp_path / "out.json"), None) == "jsonl"
    feed.write_text(json.dumps([{"id": "a", "text": ARTICLE}]))
    assert cli([str(feed), "--preset", "extractive", "--to", "en", "--quiet"]) == 2
    assert "holds a JSON array; tables are read as JSON Lines" in capsys.readouterr().err


class _Remote:
    """A Ray Serve handle's shape (`handle.method.remote(...).result()`), run here on a replica object."""

    def __init__(self, replica, delay: float = 0.0):
        self.replica, self.delay, self.batches = replica, delay, []

    def __getattr__(self, method: str):
        owner = self

        class Call:
            @staticmethod
            def remote(*args):
                owner.batches.append(args)

                class Response:
                    @staticmethod
                    def result():
                        time.sleep(owner.delay)
                        return getattr(owner.replica, method)(*args)

                return Response()

        return Call()


@pytest.mark.ray
def test_serve_on_ray_honours_each_requests_preset_and_options_and_the_servers_settings(tiny):
    """The ingress of `serve --ray` is the server's own app and queue, with batches sent to a replica: a
    request's preset and the configuration's options reach the replica; the queue, the gathering and the
    request timeout are the settings'."""
    from summarizer.server.ray_serve import RemoteRunner, SummarizerReplica

    config = Config(language_check="warn", preset="extractive", device="cpu", translators={"fr": tiny["en-fr"]},
                    options=SummarizeOptions(translation_tokens=5))
    handle = _Remote(SummarizerReplica(config))
    settings = ServerSettings(max_queue=3, batch_wait_ms=2000, batch_gather_ms=6000, request_timeout=30)
    runner = RemoteRunner(handle)
    with TestClient(create_app(Service(config, settings, runner=runner, warm=runner.warm))) as client:
        other = client.post("/v1/summarize", json={"text": ARTICLE, "preset": "default"})  # its models: not here
        assert other.status_code == 503 and "distilbart-cnn-12-6" in other.json()["error"]["message"]
        assert client.post("/v1/summarize", json={"text": ARTICLE, "languages": ["fr"]}).json()["summaries"] == \
            Summarizer(config).summarize(ARTICLE, ["fr"]).summaries  # translation_tokens=5 reached the replica
        before = len(handle.batches)
        threads = [threading.Thread(target=client.post, args=("/v1/summarize",),
                                    kwargs={"json": {"text": f"{i}. {ARTICLE}"}}) for i in range(3)]
        for thread in threads:
            thread.start()
            time.sleep(0.1)  # well within the 2 s wait, even on a loaded machine: one batch
        for thread in threads:
            thread.join()
        assert [len(args[0]) for args in handle.batches[before:] if args] == [3]  # (warming calls have no args)
    gathered = ServerSettings(batch_wait_ms=400, batch_gather_ms=500)  # a steady stream is cut at 500 ms
    with TestClient(create_app(Service(config, gathered, runner=runner, warm=runner.warm))) as client:
        before = len(handle.batches)
        threads = [threading.Thread(target=client.post, args=("/v1/summarize",),
                                    kwargs={"json": {"text": f"{i}. {ARTICLE}"}}) for i in range(6)]
        for thread in threads:
            thread.start()
            time.sleep(0.25)  # each within the 400 ms wait of the one before: only the cap cuts the batch
        for thread in threads:
            thread.join()
        assert len(handle.batches) - before >= 2
    handle.delay = 3
    slow = Service(config, ServerSettings(request_timeout=1), runner=runner, warm=lambda: [])
    with TestClient(create_app(slow)) as client:
        answer = client.post("/v1/summarize", json={"text": ARTICLE})
        assert answer.status_code == 504 and answer.json()["error"]["code"] == "timeout"


# ------------------------------------------------------------------ section 3: one home for each rule
@pytest.mark.parametrize("error", [QueueFullError("full"), ModelLoadError("gone"), ModelError("broke"),
                                   UnsupportedLanguageError("xx"), TooLongError("long")])
def test_the_server_answers_each_error_with_its_classs_status_and_code(error):
    service = Service(Config(preset="extractive", device="cpu"))
    service.runner = lambda requests, partial, active=None: [error] * len(requests)
    with TestClient(create_app(service)) as client:
        answer = client.post("/v1/summarize", json={"text": ARTICLE})
    assert answer.status_code == error.status and answer.json()["error"] == {"code": error.code,
                                                                            "message": str(error)}
    assert ERROR_CODES[error.code][0] == error.status


def test_every_error_class_has_its_own_code_or_its_parents():
    import summarizer.errors as errors

    classes = [k for k in vars(errors).values() if isinstance(k, type) and issubclass(k, SummarizerError)]
    assert {k.code for k in classes} == set(ERROR_CODES) and len(classes) >= 15
    assert all(100 <= k.status < 600 for k in classes)


def test_a_missing_model_error_carries_its_fetch_command_through_a_process_boundary(capsys):
    from summarizer.cli.main import explain_missing

    error = ModelLoadError("Model 'x' is not here.", fetch="summarize download --model x")
    copy = pickle.loads(pickle.dumps(error))
    assert (type(copy), str(copy), copy.fetch) == (ModelLoadError, str(error), error.fetch)
    explain_missing(Summarizer("extractive", device="cpu"), ["en"], copy)
    assert "Fetch it (on a machine with network access) with: summarize download --model x" in capsys.readouterr().err


def test_the_cli_exits_2_for_what_the_caller_can_fix_and_1_for_failures(monkeypatch, capsys):
    import summarizer.cli.main as cli_module

    for error, status in ((UnsupportedLanguageError("bad language"), 2), (ModelError("broke"), 1)):
        monkeypatch.setattr(cli_module, "run_command", lambda argv, error=error: (_ for _ in ()).throw(error))
        assert cli(["x.txt"]) == status
        assert capsys.readouterr().err == f"error: {error}\n"


def test_server_settings_come_from_the_flags_then_the_environment(monkeypatch, capsys):
    from summarizer.server.run import serve_parser
    from summarizer.server.settings import settings_from_args

    monkeypatch.setenv("SUMMARIZER_MAX_QUEUE", "7")
    monkeypatch.setenv("SUMMARIZER_PAGE", "false")
    assert settings_from_args(serve_parser().parse_args([])) == ServerSettings(max_queue=7, page=False)
    assert settings_from_args(serve_parser().parse_args(["--max-queue", "9", "--page"])).max_queue == 9
    monkeypatch.setenv("SUMMARIZER_MAX_QUEUE", "many")
    with pytest.raises(InputError, match="SUMMARIZER_MAX_QUEUE='many'"):
        serve_parser()
    with pytest.raises(InputError, match="max_queue=0"):
        ServerSettings(max_queue=0)


def test_the_extractive_fallback_is_the_commands_visible_choice(tmp_path, capsys):
    from summarizer.server.run import serve_parser

    assert Service(Config()).config.extractive_fallback is False  # nothing forces it behind the caller's back
    assert "--no-extractive-fallback" in serve_parser().format_help()
    article = tmp_path / "a.txt"
    article.write_text(ARTICLE, encoding="utf-8")
    assert cli([str(article), "--to", "en", "--device", "cpu", "--format", "jsonl", "--quiet"]) == 0
    assert json.loads(capsys.readouterr().out)["models"]["en"] == ["extractive"]  # the default model: not here
    assert cli([str(article), "--to", "en", "--device", "cpu", "--no-extractive-fallback", "--quiet"]) == 1
    assert "summarize download --model distilbart-cnn-12-6" in capsys.readouterr().err


def test_the_openapi_schema_shows_the_request_its_limits_and_the_key():
    service = Service(Config(preset="extractive", max_chars=1234, max_languages=3,
                             options=SummarizeOptions(length="long", languages=["fr"])),
                      ServerSettings(max_batch_articles=7))
    schema = TestClient(create_app(service)).get("/openapi.json").json()
    parts = schema["components"]["schemas"]
    for name in ("Request", "BatchArticle", "BatchRequest"):  # the defaults a field left out takes on this server
        fields = parts[name]["properties"]
        assert (fields["length"]["default"], fields["languages"]["default"], fields["preset"]["default"],
                fields["include_source"]["default"]) == ("long", ["fr"], "extractive", True)
    assert parts["Request"]["properties"]["text"]["maxLength"] == 1234
    assert parts["Request"]["properties"]["languages"]["maxItems"] == 3
    assert parts["BatchRequest"]["properties"]["articles"]["maxItems"] == 7
    assert {"short", "medium", "long"} <= set(json.dumps(parts["Request"]["properties"]["length"]).split('"'))
    body = schema["paths"]["/v1/summarize"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert body["$ref"].endswith("/Request")
    for path, methods in schema["paths"].items():  # the key is one dependency, on every route but /health
        for operation in methods.values():
            assert ("security" in operation) == (path != "/health"), path


def test_each_small_rule_is_written_once():
    sources = {path.relative_to(PACKAGE).as_posix(): path.read_text(encoding="utf-8") for path in PACKAGE.rglob("*.py")}

    def homes(pattern: str) -> list[str]:
        return sorted(name for name, text in sources.items() if re.search(pattern, text))

    assert homes(r"\\u3040-\\u30ff") == ["languages.py"]  # the CJK ranges
    assert homes(r'"zh", "ja", "th"') == []  # which languages write without spaces: the language table's `spaced`
    assert homes(r'\.ndjson"') == ["batch/inputs.py"]  # what counts as a table file
    assert homes(r'\b0\.1\.0\b') == ["version.py"]  # the version
    assert homes(r'(length|value)[:=][^\n]*"short"') == ["options.py"]  # a request's defaults
    assert homes(r'languages[^\n]*(\["en"\]|\("en",\))') == ["options.py"]
    assert homes(r'"language_warnings", "faithful"') == ["batch/outputs.py"]  # the output row's fields
    assert not re.search(r'^version = "', (PACKAGE.parent / "pyproject.toml").read_text(encoding="utf-8"), re.M)


def test_config_flags_and_environment_variables_are_generated_from_its_fields(monkeypatch):
    import argparse
    from dataclasses import fields

    from summarizer.config import add_limit_flags, add_model_flags, config_from_args

    def parse(argv):
        parser = argparse.ArgumentParser()
        add_model_flags(parser, fallback=True)
        add_limit_flags(parser)
        return parser, parser.parse_args(argv)

    parser, _ = parse([])
    assert {spec.name for spec in fields(Config) if spec.metadata.get("group")} <= {a.dest for a in parser._actions}
    for name, value in {"DEVICE": "cpu", "MAX_CHARS": "900", "TRANSLATORS": "fr=a/b", "ALLOW_PICKLE": "yes"}.items():
        monkeypatch.setenv(f"SUMMARIZER_{name}", value)
    config = config_from_args(parse([])[1])
    assert (config.device, config.max_chars, dict(config.translators), config.allow_pickle) == \
        ("cpu", 900, {"fr": "a/b"}, True)
    assert config.extractive_fallback  # the commands' own default
    config = config_from_args(parse(["--max-chars", "50", "--translator", "de=c/d", "--no-allow-pickle"])[1])
    assert (config.max_chars, dict(config.translators), config.allow_pickle) == (50, {"fr": "a/b", "de": "c/d"}, False)
    assert Config().device == "auto" and Config.from_env().device == "cpu"  # only from_env reads the environment
    monkeypatch.setenv("SUMMARIZER_MAX_CHARS", "lots")
    with pytest.raises(InputError, match="SUMMARIZER_MAX_CHARS='lots' is not a valid max_chars"):
        Config.from_env()


def test_what_a_review_found_after_the_one_options_type():
    """A batch none of whose articles is accepted is answered article by article, even by a stopping server; a
    body's bad field keeps its place in the message; a bad language of summarize_batch is the caller's error
    once, whatever the texts; a configuration has one default preset."""
    service = Service(Config(preset="extractive", device="cpu", max_chars=10))
    with TestClient(create_app(service)) as client:
        service.closing = True
        answer = client.post("/v1/summarize/batch", json={"articles": [{"text": ARTICLE}, {"text": ARTICLE}]})
        assert answer.status_code == 200, answer.text
        assert [r["error"]["code"] for r in answer.json()["results"]] == ["too_long", "too_long"]
        service.closing = False
        bad = client.post("/v1/summarize/batch", json={"articles": [{"text": "x", "length": "huge"}]})
        assert bad.status_code == 422 and bad.json()["error"]["message"].startswith("articles.0.length: ")
    with pytest.raises(UnsupportedLanguageError):
        Summarizer("extractive").summarize_batch([ARTICLE, ARTICLE], ["xx"], on_error="return")
    with pytest.raises(InputError, match="preset is Config"):
        Config(preset="extractive", options=SummarizeOptions(preset="default"))
