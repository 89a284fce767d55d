"""Import registry objects from CSV (UTF-8 or GBK) and Excel (.xlsx) exports.

Exports from other systems name their columns in Chinese or English; `COLUMNS` maps every
accepted header to a field. The whole file is read and checked before anything is stored:
a file with unknown or missing columns is rejected as a whole, every bad row is reported
with its row number (as the spreadsheet shows it: the header is row 1) and reasons, rows
that repeat an earlier row (same id, or same vessel MMSI) are errors too, and the import is
stored only when no row was rejected — nothing is ever half-imported.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Any

from services.registry.model import RegistryObject, derived_id, object_problems

# header (case-insensitive, spaces trimmed) -> field
COLUMNS: dict[str, str] = {
    **dict.fromkeys(("id", "编号", "代码"), "id"),
    **dict.fromkeys(("kind", "type", "类别", "类型", "对象类型"), "kind"),
    **dict.fromkeys(("name", "名称", "船名", "单位名称"), "name"),
    **dict.fromkeys(("office", "海事处", "责任单位", "管辖单位"), "office"),
    **dict.fromkeys(("mmsi", "水上移动通信业务标识码"), "mmsi"),
    **dict.fromkeys(("imo", "imo编号", "imo号"), "imo"),
    **dict.fromkeys(("contact", "联系人"), "contact"),
    **dict.fromkeys(("phone", "电话", "联系电话"), "phone"),
    **dict.fromkeys(("address", "地址"), "address"),
    **dict.fromkeys(("lat", "latitude", "纬度"), "lat"),
    **dict.fromkeys(("lon", "longitude", "经度"), "lon"),
    **dict.fromkeys(("notes", "备注", "说明"), "notes"),
    **dict.fromkeys(("links", "关联"), "links"),
}
REQUIRED = ("kind", "name")
# Chinese words for kinds, as exports write them
KIND_WORDS = {
    "公司": "company", "企业": "company", "航运公司": "company",
    "船舶": "vessel", "重点船舶": "vessel",
    "泊位": "berth", "码头": "terminal", "港区": "terminal",
    "锚地": "anchorage", "设施": "facility", "航标": "facility",
}  # fmt: skip
MAX_ROWS = 20_000


class ImportError_(ValueError):
    """The file as a whole cannot be read (encoding, format, columns)."""


@dataclass
class ImportResult:
    objects: list[RegistryObject] = field(default_factory=list)
    rejected: list[dict[str, Any]] = field(default_factory=list)  # {"row", "errors"}

    def to_json(self) -> dict[str, Any]:
        return {
            "imported": 0 if self.rejected else len(self.objects),
            "rows": len(self.objects) + len(self.rejected),
            "rejected": self.rejected,
        }


def read_table(data: bytes, filename: str = "") -> list[list[Any]]:
    """Rows of cells from an .xlsx (by content: a zip) or a CSV in UTF-8 or GBK."""
    if data[:4] == b"PK\x03\x04" or filename.lower().endswith(".xlsx"):
        return _xlsx(data)
    return list(csv.reader(io.StringIO(decode_text(data))))


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without BOM), else GBK (GB18030, its superset, as Excel on a Chinese
    Windows writes CSV); anything else is an error rather than mojibake in the registry."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportError_("the file is neither UTF-8 nor GBK text, nor an .xlsx workbook")


def _xlsx(data: bytes) -> list[list[Any]]:
    import zipfile

    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, OSError, KeyError, ValueError) as exc:
        raise ImportError_(f"not a readable .xlsx workbook: {exc}") from None
    try:
        sheet = book.worksheets[0]
        return [list(row) for row in sheet.iter_rows(values_only=True)]
    finally:
        book.close()


def parse(
    rows: list[list[Any]], offices: dict[str, str], only_office: str | None = None
) -> ImportResult:
    """Objects from rows (the first is the header). `offices` maps office ids and names to
    ids; `only_office` (an office user's import) rejects rows of any other office."""
    rows = [r for r in rows if any(_text(c) for c in r)]
    if not rows:
        raise ImportError_("the file is empty")
    if len(rows) > MAX_ROWS + 1:
        raise ImportError_(f"more than {MAX_ROWS} rows: split the file")
    fields = _header(rows[0])
    result = ImportResult()
    seen: dict[str, int] = {}
    for number, row in enumerate(rows[1:], start=2):
        values = {f: _text(row[i]) if i < len(row) else "" for i, f in enumerate(fields) if f}
        obj, errors = _object(values, offices)
        if obj is not None and only_office is not None and obj.office != only_office:
            errors.append(f"you may only import objects of office {only_office}")
        if obj is not None and not errors:
            for key in _identities(obj):
                if key in seen:
                    errors.append(f"duplicate of row {seen[key]} ({key})")
                    break
            else:
                for key in _identities(obj):
                    seen[key] = number
        if errors:
            result.rejected.append({"row": number, "errors": errors})
        elif obj is not None:
            result.objects.append(obj)
    return result


def _header(cells: list[Any]) -> list[str | None]:
    fields: list[str | None] = []
    unknown = []
    for cell in cells:
        name = _text(cell).strip().lower()
        if not name:
            fields.append(None)
            continue
        found = COLUMNS.get(name)
        if found is None:
            unknown.append(_text(cell))
        fields.append(found)
    missing = [c for c in REQUIRED if c not in fields]
    problems = []
    if unknown:
        problems.append(f"unknown columns: {', '.join(unknown)}")
    if missing:
        problems.append(f"missing columns: {', '.join(missing)}")
    duplicated = sorted({f for f in fields if f and fields.count(f) > 1})
    if duplicated:
        problems.append(f"columns given twice: {', '.join(duplicated)}")
    if problems:
        accepted = "kind/类别, name/名称, office/海事处, mmsi, imo, contact/联系人, phone/电话, "
        accepted += "address/地址, lat/纬度, lon/经度, notes/备注, id/编号, links/关联"
        raise ImportError_("; ".join(problems) + f" (accepted: {accepted})")
    return fields


def _object(
    values: dict[str, str], offices: dict[str, str]
) -> tuple[RegistryObject | None, list[str]]:
    errors: list[str] = []
    kind = values.get("kind", "").strip()
    kind = KIND_WORDS.get(kind, kind.lower())
    mmsi = _int(values.get("mmsi", ""), "MMSI", errors)
    imo = _int(values.get("imo", "").upper().removeprefix("IMO").strip(), "IMO", errors)
    lat = _float(values.get("lat", ""), "latitude", errors)
    lon = _float(values.get("lon", ""), "longitude", errors)
    office_text = values.get("office", "").strip()
    office = offices.get(office_text, office_text) if office_text else None
    name = values.get("name", "").strip()
    links = tuple(
        x.strip() for x in values.get("links", "").replace(";", ",").split(",") if x.strip()
    )
    if errors:
        return None, errors
    obj = RegistryObject(
        id=values.get("id", "").strip() or derived_id(kind, name, mmsi),
        kind=kind, name=name, office=office, mmsi=mmsi, imo=imo,
        contact=values.get("contact", "").strip(), phone=values.get("phone", "").strip(),
        address=values.get("address", "").strip(), lat=lat, lon=lon,
        notes=values.get("notes", "").strip(), links=links,
    )  # fmt: skip
    return obj, object_problems(obj, frozenset(offices.values()))


def _identities(obj: RegistryObject) -> list[str]:
    keys = [f"id {obj.id}"]
    if obj.kind == "vessel" and obj.mmsi is not None:
        keys.append(f"MMSI {obj.mmsi}")
    return keys


def _text(cell: Any) -> str:
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))  # Excel stores an MMSI typed as a number as 412000001.0
    return str(cell)


def _int(text: str, what: str, errors: list[str]) -> int | None:
    text = text.strip()
    if not text:
        return None
    if not text.isdigit():
        errors.append(f"{what} must be a number, got {text!r}")
        return None
    return int(text)


def _float(text: str, what: str, errors: list[str]) -> float | None:
    text = text.strip()
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        errors.append(f"{what} must be a number, got {text!r}")
        return None
