"""Converting models to CTranslate2: once per (model, revision, quantisation), into the model store.

`convert` runs CTranslate2's own transformers converter (safetensors only unless allowed),
with fixes for transformers 5 (`_ct2_loaders`), under a lock shared by threads and
processes, and renames the result into place only when it is whole. Seq2seq models become
a `ctranslate2.Translator`, decoder-only language models a `ctranslate2.Generator`: the
converter picks the spec from the model's config.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import threading
from pathlib import Path

from ..errors import ModelLoadError


def _ct2_loaders():
    """CTranslate2's converters, with fixes for transformers 5 tokenizers and configs."""
    from ctranslate2.converters import transformers as ct2t

    class BartLoader(ct2t.BartLoader):
        def get_model_spec(self, model):
            if not hasattr(model.config, "normalize_before"):  # CTranslate2 issue 816
                model.config.normalize_before = False
            return super().get_model_spec(model)

    class M2M100Loader(ct2t.M2M100Loader):
        def get_vocabulary(self, model, tokenizer):
            # transformers 5 no longer lists the language tokens among the special tokens:
            # read every id the model has, and name the unused ones like fairseq does.
            tokens, seen = [], set()
            for index, token in enumerate(tokenizer.convert_ids_to_tokens(list(range(model.config.vocab_size)))):
                token = token if token and token not in seen else f"madeupword{index}"
                seen.add(token)
                tokens.append(token)
            return tokens

    class MT5Loader(ct2t.MT5Loader):
        def get_model_spec(self, model):
            # mT5 has its own output layer and no output scaling. transformers 5 reports
            # tie_word_embeddings=True for every (m)T5 config, which would make CTranslate2
            # scale the outputs by d_model**-0.5: convert it as the untied model it is.
            model.config.tie_word_embeddings = False
            return super().get_model_spec(model)

    return {"BartConfig": BartLoader(), "M2M100Config": M2M100Loader(), "MT5Config": MT5Loader()}


_convert_lock = threading.Lock()


def converted_path(source: str, model_id: str, revision: str | None, quantization: str, store: Path) -> Path:
    """Where the CTranslate2 copy of a model lives, keyed by id, revision and quantisation."""
    if Path(source).is_dir() and revision is None:
        stamp = Path(source, "config.json").stat().st_mtime_ns if Path(source, "config.json").exists() else 0
        revision = "local-" + hashlib.sha256(f"{Path(source).resolve()}:{stamp}".encode()).hexdigest()[:12]
    safe_id = model_id.strip("/").replace("/", "--").replace("\\", "--")
    return store / "ct2" / f"{safe_id}--{revision or 'main'}--{quantization}"


def convert(source: str, target: Path, quantization: str, revision: str | None = None, *,
            allow_pickle: bool = False) -> Path:
    """Convert a transformers model folder or hub id (at `revision`) to CTranslate2, once (atomic rename).

    Reads safetensors weights only, unless `allow_pickle`.
    """
    from ctranslate2.converters import transformers as ct2t

    class Converter(ct2t.TransformersConverter):
        def load_model(self, model_class, model_name_or_path, **kwargs):
            return model_class.from_pretrained(model_name_or_path, use_safetensors=None if allow_pickle else True,
                                               **kwargs)

    with _convert_lock, process_lock(target.with_name(target.name + ".lock")):
        if (target / "model.bin").is_file():  # converted before, or by another process while this one waited
            return target
        tmp = target.with_name(target.name + f".tmp{os.getpid()}")
        shutil.rmtree(tmp, ignore_errors=True)
        saved = dict(ct2t._MODEL_LOADERS)
        ct2t._MODEL_LOADERS.update(_ct2_loaders())
        try:
            converter = Converter(source, copy_files=None, revision=revision, low_cpu_mem_usage=True,
                                  trust_remote_code=False)
            converter.convert(str(tmp), quantization=quantization, force=True)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(tmp, target)
        except (OSError, ValueError, KeyError, AttributeError, NotImplementedError) as exc:
            raise ModelLoadError(f"Could not convert {source!r} to CTranslate2: {exc}") from exc
        finally:
            ct2t._MODEL_LOADERS.clear()
            ct2t._MODEL_LOADERS.update(saved)
            shutil.rmtree(tmp, ignore_errors=True)  # never a half-converted folder left, whatever failed
        return target


@contextlib.contextmanager
def process_lock(path: Path):
    """An exclusive lock between processes (several Ray actors, or CLI runs, converting one model at once).

    The lock file is removed by its holder before it lets go, so none is left in the store, failed or not. A
    process that was waiting on the removed file finds, once it holds it, that `path` no longer names that file,
    and locks the path afresh: two holders at once are impossible."""
    try:
        import fcntl
    except ImportError:  # Windows: the thread lock and the atomic rename only
        yield
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    while True:
        handle = path.open("a")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX)
            held = os.fstat(handle.fileno())
            try:
                current = os.stat(path)
            except FileNotFoundError:
                current = None
        except BaseException:
            handle.close()
            raise
        if current is not None and (current.st_ino, current.st_dev) == (held.st_ino, held.st_dev):
            break
        handle.close()  # removed (or replaced) by the holder before this process got it: try again
    try:
        yield
    finally:
        with contextlib.suppress(OSError):
            path.unlink()
        handle.close()  # closing lets go of the lock
