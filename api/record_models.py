"""Response models derived from the library's records, so no field list is written twice.

The library's records (frozen dataclasses in ``textinsight.records``, ``store.reads``,
...) define the fields once; a response model built here takes their names, types and
defaults and adds only what the HTTP contract needs (descriptions, fields left out,
fields made nullable). Subclass the result to add ``from_record`` and the docstring
that becomes the schema's description::

    if TYPE_CHECKING:
        RunFields = BaseModel
    else:
        RunFields = record_model("RunFields", RunInfo)

    class RunOut(RunFields):
        '''One pipeline run.'''

(``TYPE_CHECKING``: a model built at run time is not a valid base class for mypy;
one alias per line, as mypy takes a chained assignment for a variable.)
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Mapping
from typing import Any, get_type_hints

from pydantic import BaseModel, Field, create_model

__all__ = ["record_fields", "record_model"]


def record_fields(
    record: type,
    *,
    only: Collection[str] | None = None,
    exclude: Collection[str] = (),
    descriptions: Mapping[str, str] | None = None,
    nullable: bool = False,
) -> dict[str, Any]:
    """pydantic field definitions (``name -> (type, FieldInfo)``) of a dataclass record.

    Args:
        record: a dataclass type; its fields keep their order, types and defaults.
        only: keep these fields (in this order) instead of all of them.
        exclude: leave these fields out.
        descriptions: field name -> description in the OpenAPI schema.
        nullable: make every field ``T | None`` with default ``None`` (metrics that a
            run may lack).

    Raises:
        TypeError: ``record`` is not a dataclass, or ``only``, ``exclude`` or
            ``descriptions`` name a field it does not have.
    """
    if not dataclasses.is_dataclass(record):
        raise TypeError(f"{record!r} is not a dataclass; pass a record type")
    by_name = {f.name: f for f in dataclasses.fields(record)}
    described = dict(descriptions or {})
    unknown = (set(only or ()) | set(exclude) | set(described)) - set(by_name)
    if unknown:
        raise TypeError(
            f"{record.__name__} has no field {', '.join(sorted(unknown))}; "
            f"its fields: {', '.join(by_name)}"
        )
    hints = get_type_hints(record)
    names = [n for n in (only if only is not None else by_name) if n not in set(exclude)]
    out: dict[str, Any] = {}
    for name in names:
        spec = by_name[name]
        kwargs: dict[str, Any] = {}
        if name in described:
            kwargs["description"] = described[name]
        if nullable:
            out[name] = (hints[name] | None, Field(default=None, **kwargs))
        elif spec.default is not dataclasses.MISSING:
            out[name] = (hints[name], Field(default=spec.default, **kwargs))
        elif spec.default_factory is not dataclasses.MISSING:
            out[name] = (hints[name], Field(default_factory=spec.default_factory, **kwargs))
        else:
            out[name] = (hints[name], Field(**kwargs))
    return out


def record_model(
    name: str,
    record: type,
    *,
    doc: str | None = None,
    base: type[BaseModel] = BaseModel,
    **options: Any,
) -> type[BaseModel]:
    """A pydantic model named ``name`` with the fields of ``record`` (see
    :func:`record_fields` for ``options``), on top of ``base``'s fields."""
    fields = record_fields(record, **options)
    return create_model(name, __base__=base, __doc__=doc, **fields)
