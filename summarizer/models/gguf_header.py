"""Walking a GGUF file's header, metadata and tensor table with limits, before any other reader opens it.

The `gguf` package's GGUFReader (which transformers uses) believes the counts and lengths a file declares: a
162-byte file declaring an array of 2^62 bytes grows it by gigabytes, a FIFO hangs it. `check_file` reads every
key/value (GGUF v2/v3 types, nested arrays included) and every tensor's info itself, checking each count, length
and size against the bytes the file really has left and against the caps below before reading anything, and
refuses anything but a regular file without waiting on it. It returns the file's short values (the architecture,
the name...) so that nothing else has to parse the file to refuse it.
"""

from __future__ import annotations

import itertools
import mmap
import os
import stat
import struct
from pathlib import Path

from ..errors import ModelLoadError

MAGIC = b"GGUF"
VERSIONS = (2, 3)
MAX_BYTES = int(os.environ.get("SUMMARIZER_MAX_GGUF_BYTES", 64 << 30))  # the whole file: 64 GiB
MAX_TENSORS = 65_536
MAX_KEYS = 1_024  # metadata keys; real models have 20 to 60
MAX_KEY_BYTES = 1_024  # one key's name; real ones are under 64
MAX_STRING_BYTES = 1 << 20  # one string value (a chat template is the longest: tens of kB)
# Measured on the real files (tests/real_models.py): SmolLM2 147,205 array items in 1.8 MB of metadata, Qwen2.5
# 455,259 in 5.9 MB, Gemma 3 786,436 in 6.5 MB (its vocabulary, 262,144 tokens, the longest array). GGUFReader
# holds about 1 kB per item, so these caps also bound what it may take once the file has passed: about 2 GB.
MAX_ARRAY_ITEMS = 1 << 20  # one array: 1,048,576
MAX_METADATA_ITEMS = 1 << 21  # the items of all arrays together: 2,097,152
MAX_HEADER_BYTES = 32 << 20  # the metadata and the tensor table together, before the tensors' data
MAX_DEPTH = 4  # arrays of arrays of ...
MAX_NAME_BYTES = 256  # one tensor's name (llama.cpp's own limit is 64)
MAX_DIMS = 4  # a tensor's dimensions (llama.cpp's GGML_MAX_DIMS)
MAX_ALIGNMENT = 1 << 16
SHORT_VALUE = 4_096  # string values up to this length are returned by `check_file`
# What a model's header must be, so that a file within the caps above but no model is refused here too, before
# the gguf reader spends about 1 kB and 13 us on each array item: the vocabulary's arrays are the only large
# ones (real files: 49,152 to 262,144 tokens; other arrays, e.g. general.tags, a few items), each tensor's data
# is its own, and there are as many tensors as the layers need (real files: 9 to 13 per layer, and 2 or 3).
TOKENIZER_ARRAYS = {"tokenizer.ggml.tokens": 1, "tokenizer.ggml.token_type": 1, "tokenizer.ggml.scores": 1,
                    "tokenizer.ggml.merges": 2, "tokenizer.ggml.added_tokens": 1}  # items per token, at most
MAX_VOCAB = 300_000  # tokens; Gemma 3's 262,144 is the largest of the families run here
MAX_OTHER_ARRAY_ITEMS = 4_096  # any array outside the tokenizer
MAX_BLOCKS = 1_024  # layers
TENSORS_PER_BLOCK = 16  # tensors per layer, and as many besides the layers, at most
# The fixed sizes of the scalar value types of GGUF (spec v3): 0-7 and 10-12; 8 is a string, 9 an array.
_SCALARS = {0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<?", 10: "<Q", 11: "<q", 12: "<d"}
_STRING, _ARRAY = 8, 9


class _Refused(Exception):
    """A limit or a structural check failed; `check_file` names the file and says it in one line."""


class _Walker:
    """Reads little-endian values from the file's map, never past its end."""

    def __init__(self, data: mmap.mmap | bytes):
        self.data, self.offset, self.items = data, 0, 0
        self.length = 0  # the item count of the last top-level array walked

    def left(self) -> int:
        return len(self.data) - self.offset

    def take(self, size: int, what: str) -> int:
        """Reserve `size` bytes at the current offset (the start is returned): refused beyond the end."""
        if size > self.left():
            raise _Refused(f"{what} needs {size:,} bytes at offset {self.offset:,}, past the end of the file")
        start, self.offset = self.offset, self.offset + size
        if self.offset > MAX_HEADER_BYTES:
            raise _Refused(f"its metadata and tensor table pass {MAX_HEADER_BYTES:,} bytes (at {what})")
        return start

    def unpack(self, fmt: str, what: str):
        return struct.unpack_from(fmt, self.data, self.take(struct.calcsize(fmt), what))[0]

    def string(self, cap: int, what: str) -> bytes | None:
        """A string's bytes (None, skipped, when longer than SHORT_VALUE), its length checked first."""
        length = self.unpack("<Q", f"the length of {what}")
        if length > cap:
            raise _Refused(f"{what} is {length:,} bytes long; at most {cap:,}")
        start = self.take(length, what)
        return bytes(self.data[start:start + length]) if length <= SHORT_VALUE else None

    def value(self, kind: int, what: str, depth: int = 0):
        """One value of type `kind`: scalars and short strings returned, arrays walked (not kept)."""
        if kind in _SCALARS:
            return self.unpack(_SCALARS[kind], what)
        if kind == _STRING:
            return self.string(MAX_STRING_BYTES, what)
        if kind != _ARRAY:
            raise _Refused(f"{what} has the unknown value type {kind}")
        if depth >= MAX_DEPTH:
            raise _Refused(f"{what} nests arrays deeper than {MAX_DEPTH}")
        item, count = self.unpack("<I", f"the item type of {what}"), self.unpack("<Q", f"the length of {what}")
        self.items += count
        if depth == 0:
            self.length = count
        if count > MAX_ARRAY_ITEMS:
            raise _Refused(f"{what} is an array of {count:,} items; at most {MAX_ARRAY_ITEMS:,}")
        if self.items > MAX_METADATA_ITEMS:
            raise _Refused(f"its arrays pass {MAX_METADATA_ITEMS:,} items in all (at {what})")
        if item in _SCALARS:  # fixed size: checked against what is left, then skipped unread
            self.take(count * struct.calcsize(_SCALARS[item]), f"the {count:,} items of {what}")
        elif item == _STRING:
            self._strings(count, what)
        elif item == _ARRAY:
            if count * 12 > self.left():  # each array has at least its type and its length
                raise _Refused(f"{what} declares {count:,} arrays, more than the rest of the file can hold")
            for _ in range(count):
                self.value(_ARRAY, f"an item of {what}", depth + 1)
        else:
            raise _Refused(f"{what} is an array of the unknown value type {item}")
        return None

    def _strings(self, count: int, what: str) -> None:
        """Skip an array's `count` strings (a vocabulary: hundreds of thousands), each length checked first."""
        data, offset, end = self.data, self.offset, min(len(self.data), MAX_HEADER_BYTES)
        if offset + count * 8 > end:  # each string has at least its 8-byte length
            raise _Refused(f"{what} declares {count:,} strings, more than the rest of the file can hold")
        past = f"the strings of {what} run past the end of the file or past {MAX_HEADER_BYTES:,} bytes"
        for _ in range(count):
            if offset + 8 > end:
                raise _Refused(past)
            (length,) = struct.unpack_from("<Q", data, offset)
            if length > MAX_STRING_BYTES:
                raise _Refused(f"a string in {what} is {length:,} bytes long; at most {MAX_STRING_BYTES:,}")
            offset += 8 + length
        if offset > end:
            raise _Refused(past)
        self.offset = offset


def check_file(path: Path) -> dict[str, object]:
    """Refuse (ModelLoadError, naming the limit) a GGUF file that is not a regular file, is damaged, or is over
    a cap; give back its metadata's scalar and short string values, by key."""
    try:
        mode = os.stat(path).st_mode  # stat, never open, what may be a FIFO or a device
        if not stat.S_ISREG(mode):
            raise ModelLoadError(f"{str(path)!r} is not a regular file; a GGUF model must be one.")
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))  # never waits, even if swapped meanwhile
        with open(fd, "rb") as handle:
            status = os.fstat(handle.fileno())
            if not stat.S_ISREG(status.st_mode):
                raise ModelLoadError(f"{str(path)!r} is not a regular file; a GGUF model must be one.")
            header = handle.read(24)
            if len(header) < 24 or header[:4] != MAGIC:
                raise ModelLoadError(f"{str(path)!r} is not a GGUF file (it does not start with the GGUF magic "
                                     "bytes).")
            with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
                return _walk(path, data, status.st_size)
    except ModelLoadError:
        raise
    except OSError as exc:
        raise ModelLoadError(f"Cannot read the GGUF file {str(path)!r}: {exc.strerror or exc}.") from exc
    except _Refused as exc:
        raise ModelLoadError(f"{str(path)!r} is refused as a GGUF file: {exc}.") from None


def _walk(path: Path, data: mmap.mmap, size: int) -> dict[str, object]:
    version, tensors, keys = struct.unpack_from("<IQQ", data, 4)
    if version not in VERSIONS:
        raise ModelLoadError(f"{str(path)!r} is GGUF version {version}; versions read here: "
                             f"{', '.join(map(str, VERSIONS))}.")
    if tensors > MAX_TENSORS or keys > MAX_KEYS or size > MAX_BYTES:
        raise ModelLoadError(f"{str(path)!r} is over the limits for a GGUF file ({tensors:,} tensors, {keys:,} "
                             f"metadata keys, {size:,} bytes; at most {MAX_TENSORS:,}, {MAX_KEYS:,} and {MAX_BYTES:,}; "
                             "SUMMARIZER_MAX_GGUF_BYTES raises the last).")
    walker = _Walker(data)
    walker.offset = 24
    values: dict[str, object] = {}
    lengths: dict[str, int] = {}  # top-level arrays: key -> items
    for index in range(keys):
        key = walker.string(MAX_KEY_BYTES, f"the name of metadata key {index}")
        try:
            name = key.decode("utf-8")
        except UnicodeDecodeError:
            raise _Refused(f"the name of metadata key {index} is not UTF-8") from None
        if name in values:
            raise _Refused(f"the metadata key {name!r} appears twice")
        kind = walker.unpack("<I", f"the value type of {name!r}")
        value = walker.value(kind, repr(name))
        values[name] = value.decode("utf-8", "replace") if isinstance(value, bytes) else value
        if kind == _ARRAY:
            lengths[name] = walker.length
    infos = _tensors(walker, tensors, values.get("general.alignment", 32), size)
    _model(values, lengths, infos)
    return {key: value for key, value in values.items() if value is not None}


def _model(values: dict[str, object], lengths: dict[str, int], tensors: list[tuple[str, list[int], int, int]]) -> None:
    """A model's header: a tokenizer whose arrays agree with one another and with the embedding; no other large
    array; a layer count, and no more tensors than the layers need; each tensor's data apart from the others'."""
    for name, count in lengths.items():
        if name not in TOKENIZER_ARRAYS and count > MAX_OTHER_ARRAY_ITEMS:
            raise _Refused(f"{name!r} is an array of {count:,} items; arrays outside the tokenizer hold at most "
                           f"{MAX_OTHER_ARRAY_ITEMS:,}")
    vocab = lengths.get("tokenizer.ggml.tokens")
    if vocab is None:
        raise _Refused("it holds no tokenizer (no tokenizer.ggml.tokens array)")
    if not 1 <= vocab <= MAX_VOCAB:
        raise _Refused(f"its vocabulary has {vocab:,} tokens; 1 to {MAX_VOCAB:,} are read")
    for name, per_token in TOKENIZER_ARRAYS.items():
        count = lengths.get(name, 0)
        one_each = name in ("tokenizer.ggml.token_type", "tokenizer.ggml.scores") and name in lengths
        if count > per_token * vocab or (one_each and count != vocab):
            raise _Refused(f"{name!r} has {count:,} items for a vocabulary of {vocab:,} tokens")
    architecture = values.get("general.architecture")
    blocks = values.get(f"{architecture}.block_count")
    if not isinstance(blocks, int) or isinstance(blocks, bool) or not 1 <= blocks <= MAX_BLOCKS:
        raise _Refused(f"{architecture}.block_count is {blocks!r}; a model has 1 to {MAX_BLOCKS:,} layers")
    if len(tensors) > TENSORS_PER_BLOCK * (blocks + 1):
        raise _Refused(f"it has {len(tensors):,} tensors for {blocks:,} layers; at most {TENSORS_PER_BLOCK} a layer "
                       f"and {TENSORS_PER_BLOCK} besides")
    shapes = {name: shape for name, shape, _, _ in tensors}
    embedding, width = shapes.get("token_embd.weight"), values.get(f"{architecture}.embedding_length")
    if embedding is None or len(embedding) != 2 or embedding[0] != width or embedding[1] < vocab:
        raise _Refused(f"its token_embd.weight tensor {embedding} is not {width} wide with a row for each of its "
                       f"{vocab:,} tokens")
    spans = sorted((offset, nbytes, name) for name, _, offset, nbytes in tensors)
    for (offset, nbytes, name), (following, _, other) in itertools.pairwise(spans):
        if offset + nbytes > following:
            raise _Refused(f"the data of tensors {name!r} and {other!r} overlap")


def _tensors(walker: _Walker, count: int, alignment: object, size: int) -> list[tuple[str, list[int], int, int]]:
    """Each tensor's name, dimensions, type and data within the caps and inside the file: (name, shape, offset,
    bytes) of each."""
    if not isinstance(alignment, int) or isinstance(alignment, bool) or not 0 < alignment <= MAX_ALIGNMENT \
            or alignment & (alignment - 1):
        raise _Refused(f"general.alignment is {alignment!r}; it must be a power of two up to {MAX_ALIGNMENT:,}")
    sizes = _type_sizes()
    infos, names = [], set()
    for index in range(count):
        name = walker.string(MAX_NAME_BYTES, f"the name of tensor {index}")
        if name in names:
            raise _Refused(f"two tensors are named {name.decode('utf-8', 'replace')!r}")
        names.add(name)
        what = f"tensor {name.decode('utf-8', 'replace')!r}"
        dims = walker.unpack("<I", f"the dimension count of {what}")
        if not 1 <= dims <= MAX_DIMS:
            raise _Refused(f"{what} has {dims:,} dimensions; 1 to {MAX_DIMS} are read")
        shape = [walker.unpack("<Q", f"a dimension of {what}") for _ in range(dims)]
        kind, offset = walker.unpack("<I", f"the type of {what}"), walker.unpack("<Q", f"the offset of {what}")
        if kind not in sizes:
            raise _Refused(f"{what} has the unknown tensor type {kind}")
        block, block_bytes = sizes[kind]
        elements = 1
        for dim in shape:
            elements *= dim
        if min(shape) < 1 or shape[0] % block:
            raise _Refused(f"{what} has the impossible shape {shape} for its type")
        infos.append((name.decode("utf-8", "replace"), shape, offset, elements // block * block_bytes))
    start = -(-walker.offset // alignment) * alignment  # the data section, aligned
    for name, _, offset, nbytes in infos:
        if offset % alignment or start + offset + nbytes > size:
            raise _Refused(f"the data of tensor {name!r} ({nbytes:,} bytes at offset {offset:,}) is not inside the "
                           f"file's {size:,} bytes, or not aligned to {alignment}")
    return infos


def _type_sizes() -> dict[int, tuple[int, int]]:
    """(elements per block, bytes per block) of each tensor type, from the gguf package that will read them."""
    try:
        from gguf.constants import GGML_QUANT_SIZES
    except ImportError:
        raise ModelLoadError("Importing a GGUF file needs the gguf package: pip install gguf") from None
    return {int(kind): sizes for kind, sizes in GGML_QUANT_SIZES.items()}
