"""Hostile GGUF headers: every crafted file is refused, naming the limit, in seconds and without the memory a
reader believing its counts would take; real files pass. Each refusal runs in a process of its own, watched: one
that grows by a gigabyte or runs for 30 s is stopped (the reader before this check took gigabytes and minutes)."""

from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from summarizer.errors import ModelLoadError
from tests import real_models
from tests.servers import free_port

ROOT = Path(__file__).resolve().parent.parent
MB = 1 << 20
U8, U32, F32, STRING, ARRAY = 0, 4, 6, 8, 9


def _string(data: bytes) -> bytes:
    return struct.pack("<Q", len(data)) + data


def _key(name: str, kind: int, value: bytes) -> bytes:
    return _string(name.encode()) + struct.pack("<I", kind) + value


def _gguf(*keys: bytes, tensors: bytes = b"", n_tensors: int = 0, n_keys: int | None = None,
          tail: bytes = b"") -> bytes:
    """A GGUF v3 file: header, metadata (`keys`, each from `_key`), tensor infos, then `tail` (the data)."""
    count = len(keys) if n_keys is None else n_keys
    return b"GGUF" + struct.pack("<IQQ", 3, n_tensors, count) + b"".join(keys) + tensors + tail


ARCH = _key("general.architecture", STRING, _string(b"llama"))


def _tensor(name: bytes, dims: list[int], kind: int = 0, offset: int = 0) -> bytes:
    return _string(name) + struct.pack("<I", len(dims)) + struct.pack(f"<{len(dims)}Q", *dims) + \
        struct.pack("<IQ", kind, offset)


def _vocabulary(tokens: int) -> list[bytes]:
    """The tokenizer's keys of a vocabulary of `tokens` one-letter tokens."""
    return [_key("tokenizer.ggml.model", STRING, _string(b"gpt2")),
            _key("tokenizer.ggml.tokens", ARRAY, struct.pack("<IQ", STRING, tokens) + _string(b"a") * tokens)]


def _layers(blocks: int, width: int = 4) -> list[bytes]:
    return [_key("llama.block_count", U32, struct.pack("<I", blocks)),
            _key("llama.embedding_length", U32, struct.pack("<I", width))]


def _nested(depth: int) -> bytes:
    """An array of one array of ... of one u8, `depth` arrays deep."""
    value = struct.pack("<IQ", U8, 1) + b"\x01"
    for _ in range(depth - 1):
        value = struct.pack("<IQ", ARRAY, 1) + value
    return value


def _crafted(kind: str, folder: Path) -> Path:
    """The crafted file (or FIFO, folder, device link) of each case, as the review built them."""
    path = folder / f"{kind.replace(' ', '-')}.gguf"
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "directory":
        path.mkdir()
    elif kind == "device":
        path.symlink_to("/dev/zero")
    else:
        path.write_bytes(CASES[kind][0]())
    return path


CASES = {  # name: (the file's bytes, what the refusal says)
    "u8 array of 2^62": (lambda: _gguf(ARCH, _key("x", ARRAY, struct.pack("<IQ", U8, 1 << 62) + b"\0" * 68)),
                         "array of 4,611,686,018,427,387,904 items; at most 1,048,576"),
    "32 MB string array": (lambda: _gguf(ARCH, _key("tokens", ARRAY, struct.pack("<IQ", STRING, 4 * MB)
                                                    + b"\0" * 32 * MB)), "array of 4,194,304 items"),
    "60 MB u8 array": (lambda: _gguf(ARCH, _key("x", ARRAY, struct.pack("<IQ", U8, 60 * MB) + b"\1" * 60 * MB)),
                       "array of 62,914,560 items"),
    "three vocabularies": (lambda: _gguf(ARCH, *(_key(f"v{i}", ARRAY, struct.pack("<IQ", STRING, MB) + b"\0" * 8 * MB)
                                                 for i in range(3))), "pass 2,097,152 items in all"),
    "65,536 keys": (lambda: _gguf(*(_key(f"k{i}", U8, b"\0") for i in range(65_536))),
                    "65,536 metadata keys"),
    "50 MB key name": (lambda: _gguf(_string(b"n" * 50 * MB) + struct.pack("<I", U8) + b"\0"),
                       "the name of metadata key 0 is 52,428,800 bytes long; at most 1,024"),
    "50 MB name value": (lambda: _gguf(ARCH, _key("general.name", STRING, _string(b"n" * 50 * MB))),
                         "'general.name' is 52,428,800 bytes long; at most 1,048,576"),
    "metadata over 32 MB": (lambda: _gguf(ARCH, *(_key(f"s{i}", STRING, _string(b"s" * MB)) for i in range(40))),
                            "pass 33,554,432 bytes"),
    "arrays nested 5 deep": (lambda: _gguf(ARCH, _key("x", ARRAY, _nested(5))), "nests arrays deeper than 4"),
    "2^40 nested arrays": (lambda: _gguf(ARCH, _key("x", ARRAY, struct.pack("<IQ", ARRAY, 1 << 40) + _nested(1))),
                           "array of 1,099,511,627,776 items"),
    "string length past the end": (lambda: _gguf(ARCH, _key("general.name", STRING, struct.pack("<Q", 1000) + b"ab")),
                                   "past the end of the file"),
    "a key past the end": (lambda: _gguf(ARCH, n_keys=2), "past the end of the file"),
    "tensor data past the end": (lambda: _gguf(ARCH, tensors=_tensor(b"w", [1024, 1024]), n_tensors=1,
                                               tail=b"\0" * 64), "is not inside the file"),
    "tensor offset past the end": (lambda: _gguf(ARCH, tensors=_tensor(b"w", [4], offset=1 << 60), n_tensors=1,
                                                 tail=b"\0" * 64), "is not inside the file"),
    "tensor of 1,000 dimensions": (lambda: _gguf(ARCH, tensors=_tensor(b"w", [1] * 1000), n_tensors=1),
                                   "has 1,000 dimensions; 1 to 4 are read"),
    "unknown tensor type": (lambda: _gguf(ARCH, tensors=_tensor(b"w", [4], kind=999), n_tensors=1, tail=b"\0" * 64),
                            "unknown tensor type 999"),
    # within every cap above, but no model: what the reader would still spend seconds and gigabytes on
    "two arrays of a million bytes": (
        lambda: _gguf(ARCH, _key("x", ARRAY, struct.pack("<IQ", U8, MB) + b"\1" * MB),
                      _key("y", ARRAY, struct.pack("<IQ", U8, MB - 1) + b"\1" * (MB - 1))),
        "'x' is an array of 1,048,576 items; arrays outside the tokenizer hold at most"),
    "a million empty tokens": (
        lambda: _gguf(ARCH, _key("tokenizer.ggml.tokens", ARRAY, struct.pack("<IQ", STRING, MB) + b"\0" * 8 * MB)),
        "its vocabulary has 1,048,576 tokens; 1 to 300,000 are read"),
    "no tokenizer": (lambda: _gguf(ARCH, _key("general.name", STRING, _string(b"x"))), "holds no tokenizer"),
    "scores that disagree with the tokens": (lambda: _gguf(ARCH, *_vocabulary(4), _key(
        "tokenizer.ggml.scores", ARRAY, struct.pack("<IQ", F32, 5) + b"\0" * 20)), "has 5 items for a vocabulary of 4"),
    "65,536 tensors at offset 0": (lambda: _gguf(ARCH, *_vocabulary(4), *_layers(1), n_tensors=65_536, tensors=b"".join(
        _tensor(f"t{i}".encode(), [4]) for i in range(65_536)), tail=b"\0" * 64), "65,536 tensors for 1 layers"),
    "tensors sharing their data": (lambda: _gguf(ARCH, *_vocabulary(4), *_layers(1), n_tensors=2, tensors=_tensor(
        b"token_embd.weight", [4, 4]) + _tensor(b"output_norm.weight", [4]), tail=b"\0" * 128), "overlap"),
    "fifo": (None, "is not a regular file"),
    "directory": (None, "is not a regular file"),
    "device": (None, "is not a regular file"),
}

# Imports what reads GGUF files, takes its baseline, then imports the crafted file into a fresh store while a
# watchdog stops it past 1 GB of growth or 30 s. Prints {"seconds", "growth" (peak RSS, bytes), "error"}.
CHILD = """
import json, os, resource, sys, threading, time
from pathlib import Path
import gguf
from summarizer.errors import ModelLoadError
from summarizer.models.gguf import import_gguf
peak = lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
base, start = peak(), time.monotonic()
def watch():
    while True:
        if peak() - base > 1 << 30 or time.monotonic() - start > 30:
            print(json.dumps({"seconds": time.monotonic() - start, "growth": peak() - base, "error": "stopped"}))
            sys.stdout.flush()
            os._exit(3)
        time.sleep(0.02)
threading.Thread(target=watch, daemon=True).start()
try:
    import_gguf(sys.argv[1], Path(sys.argv[2]))
    error = None
except ModelLoadError as exc:
    error = str(exc)
print(json.dumps({"seconds": time.monotonic() - start, "growth": peak() - base, "error": error}))
"""


@pytest.mark.parametrize("kind", list(CASES))
def test_a_crafted_gguf_header_is_refused_quickly_without_growing_memory(kind, tmp_path):
    path = _crafted(kind, tmp_path)
    run = subprocess.run([sys.executable, "-c", CHILD, str(path), str(tmp_path / "store")], cwd=ROOT, timeout=120,
                         capture_output=True, text=True, env={**os.environ, "HF_HUB_OFFLINE": "1"})
    result = json.loads(run.stdout.strip().splitlines()[-1]) if run.stdout.strip() else {"error": run.stderr[-2000:]}
    assert CASES[kind][1] in (result["error"] or "accepted"), result
    assert result["seconds"] < 5 and result["growth"] < 200 * MB, result
    assert not (tmp_path / "store").exists() or not list((tmp_path / "store").rglob("*.lock"))


def test_real_and_tiny_gguf_files_pass_and_give_their_metadata(tiny_llm):
    from summarizer.models import gguf_header

    values = gguf_header.check_file(Path(tiny_llm["gguf"]))
    assert values["general.architecture"] == "llama"
    values = gguf_header.check_file(real_models.smollm2_gguf())  # a real vocabulary: 49,152 tokens, 48,900 merges
    assert values["general.architecture"] == "llama" and values["tokenizer.ggml.model"] == "gpt2"


@pytest.mark.slow
@pytest.mark.parametrize(("fetch", "architecture"), [(real_models.qwen_coder_gguf, "qwen2"),
                                                     (real_models.gemma3_gguf, "gemma3")])
def test_the_largest_real_vocabularies_pass(fetch, architecture):
    """Qwen2.5: 151,936 tokens and 151,387 merges; Gemma 3: 262,144 tokens."""
    from summarizer.models import gguf_header

    assert gguf_header.check_file(fetch())["general.architecture"] == architecture


def test_a_header_is_refused_before_the_file_is_opened_for_reading(tmp_path, monkeypatch):
    """A FIFO is refused from its stat: opening it for reading would wait for a writer for ever."""
    from summarizer.models import gguf_header

    fifo = tmp_path / "x.gguf"
    os.mkfifo(fifo)
    monkeypatch.setattr(os, "open", lambda *a, **k: pytest.fail("opened"))
    with pytest.raises(ModelLoadError, match="is not a regular file"):
        gguf_header.check_file(fifo)


def test_a_server_started_on_a_hostile_gguf_comes_up_ready_saying_the_model_is_missing(tmp_path):
    """The 162-byte file that grew a server from 310 MB to 6.1 GB while it said 'loading': now refused at once.
    The server runs as its own process, and the test stops it if its memory passes 2 GB."""
    hostile = _crafted("u8 array of 2^62", tmp_path)
    port = free_port()
    command = [sys.executable, "-m", "summarizer", "serve", "--port", str(port), "--no-page", "--device", "cpu",
               "--summarizer-model", str(hostile)]
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "SUMMARIZER_MODELS_DIR": str(tmp_path / "store")}
    server = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while not _ready(url):  # ready: it knows the model is missing, it is not 'loading' for ever
            assert server.poll() is None, server.stderr.read()[-3000:]
            assert _rss(server.pid) < 2 << 30, "the server grew past 2 GB while loading the file"
            assert time.monotonic() < deadline, "the server was not ready within 90 s"
            time.sleep(0.2)
        health = httpx.get(url + "/health", timeout=10).json()
        assert health["missing"] == [str(hostile)], health
        answer = httpx.post(url + "/v1/summarize", json={"text": "The council met on Monday."}, timeout=60)
        assert answer.status_code == 503 and "at most 1,048,576" in answer.json()["error"]["message"]
        assert _rss(server.pid) < 2 << 30
    finally:
        server.kill()
        server.wait(timeout=30)


def _ready(url: str) -> bool:
    try:
        return httpx.get(url + "/health", timeout=5).status_code == 200
    except httpx.HTTPError:
        return False  # not listening yet


def _rss(pid: int) -> int:
    """A process's resident memory in bytes, from /proc."""
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return int(fields.get("VmRSS", "0 kB").split()[0]) * 1024
