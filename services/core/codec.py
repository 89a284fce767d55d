"""Encode and decode bus payloads.

Both bus backends carry bytes produced here, so the embedded and the distributed modes go
through the same code path (a record that does not survive encoding fails in both). JSON via
orjson: fast, and readable with `redis-cli XRANGE` when debugging a deployment.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import MISSING, field, fields, is_dataclass, make_dataclass
from typing import TYPE_CHECKING, Any, TypeVar

import orjson

if TYPE_CHECKING:
    from services.core.bus import Delivery

T = TypeVar("T")


class CodecError(ValueError):
    """A payload could not be decoded into the expected record type."""


def encode(record: Any) -> bytes:
    """Encode a dataclass instance or a JSON-compatible value.

    The copy is deliberate: orjson 3.13 returns small outputs in a ~4 KiB allocation, and
    the in-process bus keeps up to `maxlen` records, which made 200,000 records of 230
    bytes hold 1.6 GB. The exact-size copy is cheaper than the page-sized one it frees.
    """
    return bytes(memoryview(orjson.dumps(record)))


def decode(payload: bytes) -> Any:
    """Decode a payload into plain JSON values."""
    try:
        return orjson.loads(payload)
    except orjson.JSONDecodeError as exc:
        raise CodecError(f"not JSON: {exc}") from exc


def decode_as(payload: bytes, cls: type[T]) -> T:
    """Decode a payload into the dataclass `cls`, ignoring unknown keys.

    Unknown keys are dropped rather than rejected so that a newer producer can add fields
    without breaking an older consumer during a rolling upgrade.
    """
    data = decode(payload)
    if not isinstance(data, dict) or not is_dataclass(cls):
        raise CodecError(f"expected an object for {cls.__name__}")
    try:
        return _maker(cls)(data)
    except TypeError as exc:
        raise CodecError(f"bad {cls.__name__}: {exc}") from exc


_MAKERS: dict[type, Callable[[dict[str, Any]], Any]] = {}


def _maker(cls: type[T]) -> Callable[[dict[str, Any]], T]:
    """How to make a `cls` from a decoded dict, cached per class.

    With one process per stage every record is decoded once per consuming stage (the alerts
    process reads each position three times: rules, fusion, handover), and building the
    record cost three times parsing its JSON. Two things make it cheap:

    - a payload of the same version has the fields in the dataclass's order (orjson writes
      them so): they go in by position, without matching keywords;
    - a frozen dataclass with slots sets each field through object.__setattr__; it is built
      as an instance of an unfrozen twin (same fields, defaults and slots: plain stores) and
      then given its own class, which Python allows between classes of the same layout
      (checked here). The object is the one the constructor makes: equal, same hash, still
      frozen (tests/core/test_codec.py). Validation in __post_init__, fields outside
      __init__ or keyword-only, or a base class keep the plain constructor.

    Other versions (unknown keys, dropped so a newer producer can add fields during a
    rolling upgrade; missing keys with defaults) go by keyword.
    """
    make = _MAKERS.get(cls)
    if make is not None:
        return make
    all_fields = fields(cls)  # type: ignore[arg-type]
    names = tuple(f.name for f in all_fields)
    known = frozenset(names)
    simple = all(f.init and f.kw_only is not True for f in all_fields)
    twin = _unfrozen_twin(cls) if simple else None
    ctor: Callable[..., Any] = twin or cls

    def make_(data: dict[str, Any]) -> T:
        if simple and tuple(data) == names:
            obj = ctor(*data.values())
        elif known.issuperset(data):
            obj = ctor(**data)
        else:
            obj = ctor(**{k: v for k, v in data.items() if k in known})
        if twin is not None:
            obj.__class__ = cls
        return obj  # type: ignore[no-any-return]

    _MAKERS[cls] = make_
    return make_


def _unfrozen_twin(cls: type) -> type | None:
    """An unfrozen dataclass of `cls`'s fields and slot layout, or None where there is none."""
    params = getattr(cls, "__dataclass_params__", None)
    if (
        params is None
        or not params.frozen
        or "__slots__" not in cls.__dict__
        or cls.__bases__ != (object,)
        or hasattr(cls, "__post_init__")
    ):
        return None
    spec: list[Any] = []
    for f in fields(cls):
        if f.default is not MISSING:
            spec.append((f.name, f.type, field(default=f.default)))
        elif f.default_factory is not MISSING:
            spec.append((f.name, f.type, field(default_factory=f.default_factory)))
        else:
            spec.append((f.name, f.type))
    twin = make_dataclass(f"_Unfrozen{cls.__name__}", spec, slots=True)
    same = getattr(twin, "__slots__", None) == cls.__dict__["__slots__"]
    return twin if same and twin.__basicsize__ == cls.__basicsize__ else None


_MMSI_PREFIX = b'{"mmsi":'


def leading_mmsi(payload: bytes) -> int | None:
    """The MMSI of an encoded record whose first field it is (every per-vessel record:
    `encode` writes a dataclass's fields in order), without decoding the rest; None when
    the payload does not start so. For readers that act on a few vessels only."""
    if not payload.startswith(_MMSI_PREFIX):
        return None
    end = payload.find(b",", 8)
    digits = payload[8:end]
    return int(digits) if end > 8 and digits.isdigit() else None


def records_of(
    batch: Iterable[Delivery],
    cls: type[T],
    reject: Callable[[Delivery, CodecError], None],
) -> list[T]:
    """The records of a batch of deliveries, in order, whatever shape they came in.

    A delivery holds either one encoded record (Redis, or bytes published on the in-process
    bus), decoded here into `cls`, or a batch of records published unencoded on the
    in-process bus, taken as they are. Payloads that do not decode go to `reject`.
    """
    out: list[T] = []
    for delivery in batch:
        records = delivery.records
        if records is not None:
            out.extend(records)
            continue
        try:
            out.append(decode_as(delivery.payload, cls))
        except CodecError as exc:
            reject(delivery, exc)
    return out


def payloads_of(batch: Iterable[Delivery]) -> list[bytes]:
    """Every record of a batch of deliveries as its encoded payload (for tools and tests
    that want what Redis would carry)."""
    out: list[bytes] = []
    for delivery in batch:
        if delivery.records is None:
            out.append(delivery.payload)
        else:
            out.extend(encode(r) for r in delivery.records)
    return out
