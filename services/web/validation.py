"""Request bodies: strict types and validated free text, for every route (docs/web.md).

- `RequestModel`: the base of every request body. Strict: JSON `true` is not the MMSI 1,
  `"5"` is not the number 5, `1.5` is not an integer (pydantic's lax mode would coerce
  them); a float field still takes an integer, as JSON does not tell them apart. Types that
  JSON can only carry as strings (datetime, date, time, timedelta, UUID, Decimal, enums)
  still take their ISO/text form, at any depth (`list[datetime]`, `Rule | None`): FastAPI
  validates the parsed body in pydantic's Python mode, whose strict mode would refuse them,
  so `RequestModel` relaxes exactly those when a subclass is defined.
- `Text`: free text (notes, reasons, titles): tab and line breaks allowed, every other
  control character refused (services/core/text.py), 422 like any other validation error.
  `Line`: the same on one line (names, ids, labels). Lengths with `Field(max_length=...)`.

A new route gets all of this by declaring its body as a `RequestModel` with `Text`/`Line`
fields; the body size limit and the token-before-body check need nothing (limits.py).
"""

from __future__ import annotations

import datetime as dt
import enum
import types
import uuid
from decimal import Decimal
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import AfterValidator, BaseModel, ConfigDict, Strict

from services.core.text import check_text


class RequestModel(BaseModel):
    """Base of request bodies: strict types (no coercion of bools, strings, floats)."""

    model_config = ConfigDict(strict=True)

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        changed = False
        for field in cls.model_fields.values():
            relaxed = _relax(field.annotation)
            if relaxed is not field.annotation:
                field.annotation = relaxed
                changed = True
        if changed:
            cls.model_rebuild(force=True)


# What JSON can only write as a string: strict Python mode would refuse the string.
_FROM_STRING = (dt.datetime, dt.date, dt.time, dt.timedelta, uuid.UUID, Decimal, enum.Enum)


def _relax(tp: Any) -> Any:
    """`tp` with every string-borne type in it made non-strict; `tp` itself if none."""
    if isinstance(tp, type):
        return Annotated[tp, Strict(False)] if issubclass(tp, _FROM_STRING) else tp
    args = get_args(tp)
    origin = get_origin(tp)
    if not args or origin is Literal:
        return tp
    if origin is Annotated:
        inner = _relax(args[0])
        return tp if inner is args[0] else Annotated[(inner, *tp.__metadata__)]
    new = tuple(_relax(a) for a in args)
    if all(n is a for n, a in zip(new, args, strict=True)):
        return tp
    if origin in (Union, types.UnionType):
        return Union[new]  # noqa: UP007 (built from a tuple of types)
    return origin[new]


def _single_line(value: str) -> str:
    if "\n" in value or "\r" in value:
        raise ValueError("must be on one line")
    return value


# Lengths go in Field (`note: Text | None = Field(None, max_length=2000)`): type aliases
# keep mypy happy, and pydantic applies Field's constraints to the str inside an Optional.
Text = Annotated[str, AfterValidator(check_text)]
"""Free text: tab and line breaks allowed, every other control character refused."""

Line = Annotated[str, AfterValidator(check_text), AfterValidator(_single_line)]
"""Text on one line (tab allowed, no line breaks)."""
