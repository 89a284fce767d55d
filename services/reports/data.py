"""Everything one report shows, gathered from the statistics in one place."""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass

import asyncpg
import numpy as np
import shapely
from shapely.ops import unary_union

from services.core.config import SeagridConfig
from services.reports.period import Period
from services.stats.alerts import AlertFigures, alert_figures
from services.stats.cases import CaseFigures, case_figures
from services.stats.traffic import Area, Density, TrafficFigures, density, traffic


class UnknownOffice(ValueError):
    def __init__(self, office: str) -> None:
        super().__init__(f"no office {office!r} in the configuration")
        self.office = office


@dataclass(slots=True)
class ReportData:
    config: SeagridConfig
    period: Period
    office: str | None  # None: the whole jurisdiction
    traffic: TrafficFigures
    previous_traffic: TrafficFigures
    alerts: AlertFigures
    previous_alerts: AlertFigures
    cases: CaseFigures | None  # None: this database keeps no cases
    density: Density
    generated_at: dt.datetime

    @property
    def empty(self) -> bool:
        """Nothing happened (or nothing was stored) in the period: the report says so."""
        return (
            self.traffic.positions == 0
            and self.alerts.total == 0
            and (self.cases is None or self.cases.opened + self.cases.closed == 0)
        )


def jurisdiction_bbox(config: SeagridConfig) -> tuple[float, float, float, float]:
    xs0, ys0, xs1, ys1 = zip(*(c.geometry.bounds for c in config.cells), strict=True)
    return min(xs0), min(ys0), max(xs1), max(ys1)


def only_office(raster: Density, config: SeagridConfig, office: str | None) -> Density:
    """`raster` with every square whose centre is outside `office`'s cells set to 0."""
    cells = [c.geometry for c in config.cells if c.office == office]
    height, width = raster.grid.shape
    if not cells:
        return Density(np.zeros_like(raster.grid), raster.lon0, raster.lat0, raster.per_degree)
    rows, cols = np.mgrid[0:height, 0:width]
    step = 1 / raster.per_degree
    inside = shapely.contains_xy(
        unary_union(cells), raster.lon0 + (cols + 0.5) * step, raster.lat0 + (rows + 0.5) * step
    )
    return Density(np.where(inside, raster.grid, 0), raster.lon0, raster.lat0, raster.per_degree)


async def gather(
    pool: asyncpg.Pool, config: SeagridConfig, period: Period, office: str | None
) -> ReportData:
    """Read the report's figures; raises UnknownOffice for an office not configured."""
    if office is not None and office not in config.office_ids():
        raise UnknownOffice(office)
    area = Area(period.start, period.end, office)
    before = period.previous()
    previous = Area(before.start, before.end, office)
    # independent reads on separate connections: PostgreSQL runs them side by side
    now, then, alerts, then_alerts, cases, raster = await asyncio.gather(
        traffic(pool, area),
        traffic(pool, previous),
        alert_figures(pool, area),
        alert_figures(pool, previous),
        case_figures(pool, area),
        _density(pool, config, period, office),
    )
    return ReportData(
        config=config,
        period=period,
        office=office,
        traffic=now,
        previous_traffic=then,
        alerts=alerts,
        previous_alerts=then_alerts,
        cases=cases,
        density=raster,
        generated_at=dt.datetime.now(dt.UTC),
    )


async def _density(
    pool: asyncpg.Pool, config: SeagridConfig, period: Period, office: str | None
) -> Density:
    """The jurisdiction's raster; an office's report shows only its own waters."""
    raster = await density(pool, period.start, period.end, jurisdiction_bbox(config))
    return raster if office is None else only_office(raster, config, office)
