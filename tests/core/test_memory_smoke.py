"""Quick checks of the in-process bus that the full contract suite builds on."""

from services.core.bus import BusOptions
from services.core.bus_memory import MemoryBus


async def test_publish_read_ack() -> None:
    bus = MemoryBus(BusOptions(claim_idle=0.05))
    await bus.ensure_group("t", "g")
    await bus.publish("t", [b"1", b"2"])
    got = await bus.read("t", "g", "c1", block=0.1)
    assert [d.payload for d in got] == [b"1", b"2"]
    assert await bus.pending("t", "g") == 2
    await bus.ack("t", "g", [got[0].id])
    assert await bus.pending("t", "g") == 1
    import asyncio

    await asyncio.sleep(0.06)
    again = await bus.read("t", "g", "c2", block=0.1)
    assert [(d.payload, d.attempts) for d in again] == [(b"2", 2)]
