"""A client's outbox on its own: bounded queue, then latest-per-vessel coalescing."""

from __future__ import annotations

import asyncio

import orjson

from services.web.auth import User
from services.web.client import Client, Frame, positions_frame


def frame(tick: int, ids: list[int], removed: list[int] = ()) -> Frame:  # type: ignore[assignment]
    encoded = [orjson.dumps({"mmsi": m, "tick": tick}) for m in ids]
    return Frame(positions_frame(encoded, list(removed)), ids, encoded, list(removed), 0.0)


async def test_a_client_behind_gets_the_latest_per_vessel_in_one_frame() -> None:
    sent: list[dict] = []
    gate = asyncio.Event()

    async def send(text: str) -> None:
        await gate.wait()  # a socket that does not drain
        sent.append(orjson.loads(text))

    client = Client(User("t", "operator"), send, buffer=2)
    runner = asyncio.create_task(client.run())
    client.offer(frame(1, [1, 2]))  # taken by the sender, which blocks in send()
    await asyncio.sleep(0)
    for tick in range(2, 4):
        client.offer(frame(tick, [1, 2]))  # queued: the buffer holds 2
    for tick in range(4, 50):
        client.offer(
            frame(tick, [1, 2, 3] if tick < 40 else [1], removed=[2] if tick == 45 else [])
        )
    assert len(client.frames) == 2 and client.coalesced_ticks == 46
    assert set(client.coalesced) == {1, 2, 3}  # bounded by the vessels, not the ticks
    gate.set()
    while client.frames or client.coalesced:
        await asyncio.sleep(0.01)
    client.closed = True
    client.wake.set()
    await runner
    assert [len(m["vessels"]) for m in sent[:3]] == [2, 2, 2]
    last = sent[-1]
    assert len(sent) == 4  # everything after the buffer went out as one frame
    assert {v["mmsi"]: v["tick"] for v in last["vessels"]} == {1: 49, 3: 39}
    assert last["removed"] == [2]


async def test_alerts_jump_the_queue_and_overflow_asks_for_a_resync() -> None:
    sent: list[str] = []

    async def send(text: str) -> None:
        sent.append(text)

    resynced: list[Client] = []
    client = Client(User("t", "operator"), send, buffer=4, alert_buffer=3)
    client.resync = resynced.append
    client.offer(frame(1, [1]))
    for n in range(5):
        client.push_urgent(f'{{"type":"alert","n":{n}}}')
    assert resynced == [client]  # the 4th alert overflowed the queue of 3
    runner = asyncio.create_task(client.run())
    while client.urgent or client.frames:
        await asyncio.sleep(0.01)
    client.closed = True
    client.wake.set()
    await runner
    kinds = [orjson.loads(t)["type"] for t in sent]
    assert kinds[0] == "resync" and kinds[-1] == "positions"
