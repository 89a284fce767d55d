"""The registry over the information centre's record store (kind `registry`), audited."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from services.infocentre.model import InfoError, NotFound
from services.infocentre.store import Change, Record, RecordStore
from services.registry.importer import ImportResult, parse, read_table
from services.registry.model import RegistryObject, object_problems

KIND = "registry"


@dataclass(frozen=True)
class Filter:
    text: str | None = None
    kind: str | None = None
    office: str | None = None
    mmsi: int | None = None
    imo: int | None = None
    link: str | None = None

    def keep(self, obj: RegistryObject) -> bool:
        return (
            (self.text is None or obj.matches(self.text))
            and (self.kind is None or obj.kind == self.kind)
            and (self.office is None or obj.office == self.office)
            and (self.mmsi is None or obj.mmsi == self.mmsi)
            and (self.imo is None or obj.imo == self.imo)
            and (self.link is None or self.link in obj.links)
        )


class Registry:
    def __init__(
        self, store: RecordStore, offices: dict[str, str], clock: Callable[[], float] = time.time
    ) -> None:
        """`offices`: office ids and names (as exports write them) -> office id."""
        self.store, self.offices, self.clock = store, offices, clock

    async def search(self, where: Filter, limit: int = 200) -> list[RegistryObject]:
        """Matching objects by name. The registry of one municipal MSA is thousands of
        rows: filtering them in Python is simpler than an index and fast enough."""
        found = [o for o in await self.all() if where.keep(o)]
        return sorted(found, key=lambda o: (o.kind, o.name, o.id))[:limit]

    async def all(self) -> list[RegistryObject]:
        return [RegistryObject.from_json(r.data) for r in await self.store.list(KIND)]

    async def get(self, object_id: str) -> RegistryObject | None:
        record = await self.store.get(KIND, object_id)
        if record is None or record.deleted_at is not None:
            return None
        return RegistryObject.from_json(record.data)

    async def put(self, obj: RegistryObject, actor: str, change: str = "saved") -> None:
        problems = object_problems(obj, frozenset(self.offices.values()))
        if problems:
            raise InfoError(problems)
        record = Record(KIND, obj.id, obj.to_json(), obj.office)
        await self.store.put_many([record], Change(KIND, obj.id, change, actor, self.clock()))

    async def delete(self, object_id: str, actor: str) -> None:
        change = Change(KIND, object_id, "removed", actor, self.clock())
        if not await self.store.delete(KIND, object_id, change):
            raise NotFound(object_id)

    async def import_file(
        self,
        data: bytes,
        filename: str,
        actor: str,
        only_office: str | None = None,
        dry_run: bool = False,
    ) -> ImportResult:
        """Check every row; store all of them in one transaction, or none (raises
        ImportError_ for a file that cannot be read at all)."""
        result = parse(read_table(data, filename), self.offices, only_office)
        if result.rejected or dry_run or not result.objects:
            return result
        records = [Record(KIND, o.id, o.to_json(), o.office) for o in result.objects]
        note = f"import of {filename or 'a file'}: {len(records)} rows"
        await self.store.put_many(records, Change(KIND, "", "imported", actor, self.clock(), note))
        return result

    async def history(self, object_id: str) -> list[Change]:
        return await self.store.history(KIND, object_id)
