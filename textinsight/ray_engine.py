"""The Ray engine: parse, redact, detect, embed and assign on Ray workers (issue #15).

The default engine is the embedded, single-process one. ``--engine ray`` (or
:func:`ray_engine`) moves the work that is independent per item onto a Ray cluster,
each step a Ray Data ``map_batches`` over a pool of actors that load their model once:

- **ingest**: the driver reads the file's rows (format, encoding and delimiter
  sniffing stay one code path) and ships them in blocks; the workers validate,
  redact, pseudonymise and detect languages (:func:`ingest.load.stage_feedback`);
  the driver gives source ids in file order and writes, as the local engine does.
- **embed**: the texts not yet cached, sorted by length, go through actors that each
  hold the embedding model; each returned block is cached at once (an interrupted
  embed resumes there). The vectors are those of the local engine: same model id.
- **assign**: the run's clusterer is put into Ray's object store once and Ray Data
  tasks apply the one assignment rule (``ThemeClusterer.predict_similarity``) to
  blocks of vectors; each pooled worker process rebuilds the clusterer once.

The clustering fit, descriptions, value statistics and every write stay on the
driver, into the same store. Ray is an optional extra (``pip install
'textinsight[ray]'``); nothing here imports it until an engine is made.
"""

from __future__ import annotations

import itertools
import pickle
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from textinsight.errors import ConfigError, ValidationError
from textinsight.ingest import validate
from textinsight.ingest.formats import DATE_ORDER, FileOptions
from textinsight.ingest.language import LanguageIdentifier
from textinsight.ingest.load import (
    FileKind,
    ReadTally,
    finish_feedback,
    read_records,
)
from textinsight.ingest.pseudonym import Pseudonymiser
from textinsight.ingest.readers import read_rows
from textinsight.ingest.source_ids import SourceIds
from textinsight.progress import ProgressFactory, no_progress
from textinsight.ray_workers import EmbedActor, StageActor, assign_block
from textinsight.records import StoredFeedback
from textinsight.run_embed import run_model
from textinsight.stages.embed import AUTO, get_embedder
from textinsight.stages.normalize import normalize_text
from textinsight.store import Store

ENGINES = ("local", "ray")
"""The engines ``--engine`` accepts: ``local`` (default, one process) and ``ray``."""

EXTRA = "pip install 'textinsight[ray]'"

WINDOW_ROWS = 200_000
"""Rows of a file shipped to the workers as one Ray dataset (bounds driver memory);
rounded up to whole chunks, so the chunks are the local engine's (a resumed ingest
finds the same chunk boundaries)."""

EMBED_BLOCK = 256
"""Texts per block an embedding actor encodes (the model batches 64 inside)."""

ASSIGN_BLOCK = 4096
"""Vectors per block an assignment actor assigns."""


def _ray() -> Any:
    try:
        import ray
        import ray.data
    except ImportError:
        raise ConfigError(
            f"--engine ray needs Ray, which is not installed: {EXTRA} "
            "(or use the default engine: --engine local)."
        ) from None
    return ray


def check_engine(name: str) -> str:
    """``name`` when it is a known engine.

    Raises:
        ConfigError: an unknown engine.
    """
    if name not in ENGINES:
        raise ConfigError(f"Unknown engine '{name}'. Available: {', '.join(ENGINES)}.")
    return name


class RayEngine:
    """Runs the per-item steps on a Ray cluster (see the module docstring).

    Args:
        address: the cluster (``ray://host:10001`` or ``auto``); ``None`` starts a
            local Ray in this process, or uses the one already started.
        workers: actors per step (default: the cluster's CPUs).

    Raises:
        ConfigError: Ray is not installed.
    """

    def __init__(self, address: str | None = None, workers: int | None = None):
        ray = _ray()
        if not ray.is_initialized():
            ray.init(
                address=address,
                include_dashboard=False,
                log_to_driver=False,
                configure_logging=False,
            )
        import logging

        for name in ("ray", "ray.data"):  # no INFO line per dataset
            logging.getLogger(name).setLevel(logging.WARNING)
        context = ray.data.DataContext.get_current()
        context.execution_options.preserve_order = True
        context.enable_progress_bars = False
        self.workers = workers or max(1, int(ray.cluster_resources().get("CPU", 1)))
        self._state: tuple[str, Any, dict[str, Any]] | None = None
        self._fitted: tuple[Any, dict[str, Any]] | None = None
        self.nodes_used: set[str] = set()
        """Ids of the Ray nodes whose actors did work (what tests and users can check)."""

    def _pool(self) -> Any:
        return _ray().data.ActorPoolStrategy(size=self.workers)

    def _block(self, n_items: int, largest: int) -> int:
        """Items per block: at most ``largest``, and small enough that every actor
        gets a share of a small input."""
        return max(1, min(largest, -(-n_items // self.workers)))

    def _collect(self, dataset: Any) -> Iterator[dict[str, np.ndarray]]:
        for batch in dataset.iter_batches(batch_size=None, batch_format="numpy"):
            self.nodes_used.update(str(n) for n in batch.pop("node"))
            yield batch

    # ---- ingest ----------------------------------------------------------------
    def read_records(
        self,
        path: str | Path,
        kind: FileKind = "feedback",
        *,
        channel: str | None = None,
        skip_invalid: bool = False,
        languages: LanguageIdentifier | None = None,
        chunk_size: int = 2000,
        tally: ReadTally | None = None,
        pseudonyms: Pseudonymiser | None = None,
        source_ids: SourceIds | None = None,
        options: FileOptions | None = None,
        skip_rows: int = 0,
    ) -> Iterator[tuple[int, list[Any]]]:
        """:func:`ingest.load.read_records` with the feedback rows prepared on the
        workers; the same records, errors and counts, in the same chunks. ``skip_rows``
        rows are passed over unread (what a resumed ingest staged already).

        Customer and purchase files are read on the driver (there is little to do per row).
        """
        if kind != "feedback":
            resumed: dict[str, Any] = {"skip_rows": skip_rows} if skip_rows else {}
            yield from read_records(
                path,
                kind,
                channel=channel,
                skip_invalid=skip_invalid,
                chunk_size=chunk_size,
                tally=tally,
                pseudonyms=pseudonyms,
                options=options,
                **resumed,  # a resumed ingest's reader takes skip_rows
            )
            return
        if channel is not None:
            validate.channel_option(channel)
        options = options or FileOptions()
        tally = tally if tally is not None else ReadTally()
        source_ids = source_ids if source_ids is not None else SourceIds()
        stager = {
            "channel": channel,
            "languages": languages or LanguageIdentifier(),
            "pseudonyms": pseudonyms or Pseudonymiser.ephemeral(),
            "date_order": options.date_order,
        }
        window: list[tuple[int, dict[str, Any] | ValidationError]] = []
        order = DATE_ORDER.set(options.date_order)
        try:
            for item in itertools.islice(read_rows(path, options), skip_rows, None):
                window.append(item)
                if len(window) >= -(-WINDOW_ROWS // chunk_size) * chunk_size:
                    yield from self._stage_window(
                        window, stager, tally, source_ids, skip_invalid, chunk_size
                    )
                    window = []
            if window:
                yield from self._stage_window(
                    window, stager, tally, source_ids, skip_invalid, chunk_size
                )
        finally:
            DATE_ORDER.reset(order)
        if tally.n_errors and not skip_invalid:
            from textinsight.errors import RowErrors

            raise RowErrors(str(path), tally.errors, more=tally.n_errors - len(tally.errors))

    def _stage_window(
        self,
        window: list[tuple[int, dict[str, Any] | ValidationError]],
        stager: dict[str, Any],
        tally: ReadTally,
        source_ids: SourceIds,
        skip_invalid: bool,
        chunk_size: int = 2000,
    ) -> Iterator[tuple[int, list[Any]]]:
        """One window of rows through the staging actors, back in order, in chunks of
        ``chunk_size`` rows whatever the workers' blocks; after the first invalid row
        (without ``skip_invalid``) chunks carry no records."""
        ray = _ray()
        items = [{"line": line, "row": pickle.dumps(row)} for line, row in window]
        dataset = ray.data.from_items(items).map_batches(
            StageActor,
            fn_constructor_kwargs=stager,
            batch_size=self._block(len(items), chunk_size),
            compute=self._pool(),
        )
        rows: list[tuple[str, Any]] = []  # (ok | error, value) per input row, in order
        for batch in self._collect(dataset):
            for payload in batch["out"]:
                kind, value = pickle.loads(payload)
                if kind == "redactions":
                    for name, n in value.items():
                        tally.redactions[name] = tally.redactions.get(name, 0) + n
                else:
                    rows.append((kind, value))
            while len(rows) >= chunk_size:
                yield self._chunk(rows[:chunk_size], tally, source_ids, skip_invalid)
                del rows[:chunk_size]
        if rows:
            yield self._chunk(rows, tally, source_ids, skip_invalid)

    @staticmethod
    def _chunk(
        rows: list[tuple[str, Any]], tally: ReadTally, source_ids: SourceIds, skip_invalid: bool
    ) -> tuple[int, list[Any]]:
        """One chunk of ``chunk_size`` rows, as ``ingest.load.read_records`` yields it."""
        staged = []
        for kind, value in rows:
            if kind == "error":
                tally.error(value)
            else:
                staged.append(value)
        tally.read += len(rows)
        records = finish_feedback(staged, source_ids)
        return len(rows), records if skip_invalid or not tally.n_errors else []

    # ---- embed -----------------------------------------------------------------
    def embed_cached(
        self,
        store: Store,
        model_id: str,
        texts: Sequence[str],
        hashes: Sequence[str],
        *,
        model_dir: Path | None = None,
        progress: ProgressFactory = no_progress,
    ) -> int:
        """Cache a vector for every text, embedding the missing ones on the workers.

        Args:
            model_id: the cache key; each actor builds the registered model that
                produces it (``embedder_for_model``), so the vectors are the local
                engine's.

        Returns:
            How many texts were embedded.
        """
        ray = _ray()
        cached = set(store.embeddings.get_many(model_id, hashes))
        todo: dict[str, str] = {}
        for text, key in zip(texts, hashes, strict=True):
            if key not in cached:
                todo.setdefault(key, text)
        items = sorted(todo.items(), key=lambda item: -len(item[1]))
        if not items:
            return 0
        dataset = ray.data.from_items([{"hash": h, "text": t} for h, t in items]).map_batches(
            EmbedActor,
            fn_constructor_kwargs={"model_id": model_id, "model_dir": model_dir},
            batch_size=self._block(len(items), EMBED_BLOCK),
            compute=self._pool(),
        )
        with progress("Embedding on Ray", len(items)) as advance:
            for batch in self._collect(dataset):
                fresh = dict(zip(batch["hash"].tolist(), batch["vector"], strict=True))
                store.embeddings.put_many(model_id, fresh)
                advance(len(fresh))
        return len(items)

    def embed_feedback(
        self,
        store: Store,
        model_id: str,
        feedback: Sequence[StoredFeedback],
        *,
        model_dir: Path | None = None,
        progress: ProgressFactory = no_progress,
    ) -> int:
        """:meth:`embed_cached` over stored rows, texts as ``normalize_text`` gives them
        and keyed by the stored text hash (what the run's embed step reads)."""
        return self.embed_cached(
            store,
            model_id,
            [normalize_text(f.text) for f in feedback],
            [f.text_hash for f in feedback],
            model_dir=model_dir,
            progress=progress,
        )

    def prepare_run(
        self,
        store: Store,
        model: str = AUTO,
        *,
        model_dir: Path | None = None,
        progress: ProgressFactory = no_progress,
    ) -> tuple[str, int]:
        """Embed every stored feedback text on the workers before a run.

        Returns:
            (the registered model ``model`` stands for, texts embedded); pass the
            name to ``run_pipeline``, which then finds every vector cached.
        """
        feedback = store.feedback.all()
        name = run_model(store, model, [f.language for f in feedback])
        model_id = get_embedder(name, model_dir).model_id
        return name, self.embed_feedback(
            store, model_id, feedback, model_dir=model_dir, progress=progress
        )

    # ---- assign ----------------------------------------------------------------
    def predict(
        self,
        state: dict[str, Any],
        vectors: np.ndarray,
        languages: Sequence[str | None],
        run_rule: bool = False,
    ) -> tuple[np.ndarray, np.ndarray]:
        """``ThemeClusterer.from_state(state).predict_similarity`` on the workers:
        each row's theme label (-1: unassigned) and similarity, in order."""
        ray = _ray()
        if len(vectors) == 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        items = [
            {"vector": np.asarray(v, dtype=np.float32), "language": lang or ""}
            for v, lang in zip(vectors, languages, strict=True)
        ]
        key, ref = self._state_ref(state)
        dataset = ray.data.from_items(items).map_batches(
            assign_block,
            fn_kwargs={"key": key, "state": ref, "run_rule": run_rule},
            batch_size=self._block(len(items), ASSIGN_BLOCK),
        )
        labels, sims = [], []
        for batch in self._collect(dataset):
            labels.append(batch["label"])
            sims.append(batch["similarity"])
        return np.concatenate(labels).astype(np.int64), np.concatenate(sims)

    def _state_ref(self, state: dict[str, Any]) -> tuple[str, Any]:
        """The state in Ray's object store, put there once per state (a run's
        streamed batches all reuse it), with the key workers cache it under."""
        if self._state is None or self._state[2] is not state:
            self._state = (uuid.uuid4().hex, _ray().put(state), state)
        return self._state[0], self._state[1]

    def assign(
        self, clusterer: Any, vectors: np.ndarray, languages: Sequence[str | None]
    ) -> tuple[np.ndarray, np.ndarray]:
        """``stages.sample_fit.assign_batch`` on the workers, for a fitted
        ``ThemeClusterer``: labels and probabilities as a run records them (the
        ``assign`` hook of ``run_pipeline``)."""
        if self._fitted is None or self._fitted[0] is not clusterer:
            self._fitted = (clusterer, clusterer.to_state())
        return self.predict(self._fitted[1], vectors, languages, run_rule=True)
