"""Registry: CSV (UTF-8, GBK) and .xlsx imports generated here, per-row errors with nothing
half-imported, search and links, permissions, audit."""

from __future__ import annotations

import io
from typing import Any

import pytest
from openpyxl import Workbook

from tests.web.conftest import Env

HEADER_ZH = ["类别", "名称", "海事处", "MMSI", "IMO", "联系人", "电话", "纬度", "经度", "关联"]
ROWS = [
    ["公司", "泉州某航运有限公司", "石狮海事处", "", "", "李经理", "0595-0000000", "", "", ""],
    ["船舶", "闽晋砂168", "shishi", "412440101", "9074729", "", "", "", "", "case:c-1"],
    ["锚地", "祥芝锚地", "shishi", "", "", "", "", "24.78", "118.77", "zone:anchorage-1"],
]


def csv_bytes(
    rows: list[list[str]], encoding: str = "utf-8", header: list[str] = HEADER_ZH
) -> bytes:
    lines = [",".join(r) for r in [header, *rows]]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def xlsx_bytes(rows: list[list[Any]]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER_ZH)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


async def upload(env: Env, data: bytes, name: str, user: str = "op", **params: Any) -> Any:
    return await env.http.post(
        "/api/registry/import",
        params={"filename": name, **params},
        content=data,
        headers={**env.auth(user), "Content-Type": "application/octet-stream"},
    )


async def listed(env: Env, user: str = "op", **params: Any) -> list[dict[str, Any]]:
    reply = await env.http.get("/api/registry", params=params, headers=env.auth(user))
    assert reply.status_code == 200, reply.text
    return list(reply.json())


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
async def test_csv_import_in_utf8_and_gbk(ienv: Env, encoding: str) -> None:
    reply = await upload(ienv, csv_bytes(ROWS, encoding), "export.csv")
    assert reply.status_code == 201, reply.text
    assert reply.json()["imported"] == 3
    names = {o["name"] for o in await listed(ienv)}
    assert names == {"泉州某航运有限公司", "闽晋砂168", "祥芝锚地"}
    company = (await listed(ienv, q="航运"))[0]
    assert company["kind"] == "company" and company["office"] == "shishi"  # office by name


async def test_xlsx_import_with_numbers_as_numbers(ienv: Env) -> None:
    rows: list[list[Any]] = [list(r) for r in ROWS]
    rows[1][3], rows[1][4] = 412440101, 9074729  # Excel keeps them as numbers
    rows[2][7], rows[2][8] = 24.78, 118.77
    reply = await upload(ienv, xlsx_bytes(rows), "三基资料.xlsx")
    assert reply.status_code == 201, reply.text
    vessel = (await listed(ienv, mmsi=412440101))[0]
    assert vessel["imo"] == 9074729 and vessel["links"] == ["case:c-1"]
    anchorage = (await listed(ienv, link="zone:anchorage-1"))[0]
    assert anchorage["lat"] == 24.78 and anchorage["kind"] == "anchorage"


async def test_reimport_updates_rather_than_duplicates(ienv: Env) -> None:
    await upload(ienv, csv_bytes(ROWS), "a.csv")
    await upload(ienv, csv_bytes(ROWS), "a.csv")
    assert len(await listed(ienv)) == 3
    vessel = (await listed(ienv, mmsi=412440101))[0]
    history = await ienv.http.get(f"/api/registry/{vessel['id']}/history", headers=ienv.auth("op"))
    assert [(h["change"], h["actor"]) for h in history.json()] == [
        ("imported", "op"),
        ("imported", "op"),
    ]


async def test_bad_rows_are_reported_and_nothing_is_imported(ienv: Env) -> None:
    bad = [
        *ROWS,
        ["渔船", "无类别", "shishi", "", "", "", "", "", "", ""],  # row 5: unknown kind
        ["船舶", "坏MMSI", "shishi", "41244", "", "", "", "", "", ""],  # row 6
        ["船舶", "坏IMO", "shishi", "412000002", "9074728", "", "", "", "", ""],  # row 7
        ["船舶", "重复", "shishi", "412440101", "", "", "", "", "", ""],  # row 8: dup MMSI
        ["公司", "", "shishi", "", "", "", "", "", "", ""],  # row 9: no name
        ["公司", "某公司", "atlantis", "", "", "", "", "", "", ""],  # row 10
        ["锚地", "半个坐标", "", "", "", "", "", "24.7", "", ""],  # row 11
    ]
    reply = await upload(ienv, csv_bytes(bad, "gbk"), "bad.csv")
    assert reply.status_code == 422
    rejected = {r["row"]: " ".join(r["errors"]) for r in reply.json()["rejected"]}
    assert sorted(rejected) == [5, 6, 7, 8, 9, 10, 11]
    assert "kind" in rejected[5] and "9 digits" in rejected[6] and "IMO" in rejected[7]
    assert "duplicate of row 3" in rejected[8] and "name" in rejected[9]
    assert "atlantis" in rejected[10] and "latitude and longitude" in rejected[11]
    assert reply.json()["imported"] == 0
    assert await listed(ienv) == []


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (csv_bytes(ROWS, header=["类别", "名称", "吨位"]), "unknown columns: 吨位"),
        (csv_bytes(ROWS, header=["名称", "海事处"]), "missing columns: kind"),
        ("类别,名称\r\n公司,测试\r\n".encode("utf-16"), "neither UTF-8 nor GBK"),
        (b"PK\x03\x04 not really a workbook", "not a readable .xlsx"),
        (b"\n\n", "empty"),
    ],
)
async def test_unreadable_files_are_422(ienv: Env, data: bytes, problem: str) -> None:
    reply = await upload(ienv, data, "x.csv")
    assert reply.status_code == 422 and problem in reply.text, reply.text
    assert await listed(ienv) == []


async def test_dry_run_and_multipart(ienv: Env) -> None:
    dry = await upload(ienv, csv_bytes(ROWS), "a.csv", dry_run="true")
    assert dry.status_code == 200 and dry.json()["dry_run"] is True
    assert await listed(ienv) == []
    files = {"file": ("三基.xlsx", xlsx_bytes(ROWS), "application/octet-stream")}
    reply = await ienv.http.post("/api/registry/import", files=files, headers=ienv.auth("op"))
    assert reply.status_code == 201, reply.text


async def test_single_objects_and_permissions(ienv: Env) -> None:
    body = {"kind": "berth", "name": "石湖港区5号泊位", "contact": "调度室"}
    made = await ienv.http.post("/api/registry", json=body, headers=ienv.auth("shishi"))
    assert made.status_code == 201 and made.json()["office"] == "shishi"
    object_id = made.json()["id"]
    assert [o["id"] for o in await listed(ienv, "shishi", kind="berth")] == [object_id]
    assert await listed(ienv, "huian", kind="berth") == []
    assert (
        await ienv.http.delete(f"/api/registry/{object_id}", headers=ienv.auth("huian"))
    ).status_code == 404
    assert (
        await ienv.http.post("/api/registry", json=body, headers=ienv.auth("crew"))
    ).status_code == 403
    foreign = csv_bytes([["公司", "某公司", "huian", "", "", "", "", "", "", ""]])
    reply = await upload(ienv, foreign, "a.csv", user="shishi")
    assert reply.status_code == 422 and "office shishi" in reply.text
    bad = {"kind": "vessel", "name": "x", "imo": 1234568}
    assert (
        await ienv.http.post("/api/registry", json=bad, headers=ienv.auth("op"))
    ).status_code == 422
    gone = await ienv.http.delete(f"/api/registry/{object_id}", headers=ienv.auth("shishi"))
    assert gone.status_code == 204
    history = await ienv.http.get(f"/api/registry/{object_id}/history", headers=ienv.auth("op"))
    assert [h["change"] for h in history.json()] == ["added", "removed"]
    assert (await ienv.http.get("/api/registry")).status_code == 401
