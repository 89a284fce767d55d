"""Which office an alert belongs to, and who must hear of it (CONTRACTS §4).

An alert goes to the office owning the cell where it happened; outside every cell (or in a
cell this configuration no longer knows, after a grid reload) to the centre, which sees
every alert anyway. Distress is the one rule where the office alone is not enough: a life
at sea is the centre's business at once, not after an escalation delay, so distress alerts
name both.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from services.alerts.model import Alert, Rule
from services.core.config import SeagridConfig

log = logging.getLogger(__name__)


class Router:
    def __init__(self, centre: str, cell_offices: Mapping[str, str]) -> None:
        self.centre = centre
        self._offices = dict(cell_offices)
        self._unknown_logged: set[str] = set()

    @classmethod
    def from_config(cls, config: SeagridConfig) -> Router:
        return cls(config.centre.id, {cell.id: cell.office for cell in config.cells})

    def office_for(self, cell: str | None) -> str:
        """The office owning `cell`; the centre outside every cell."""
        if cell is None:
            return self.centre
        office = self._offices.get(cell)
        if office is None:
            if cell not in self._unknown_logged:  # once per cell, not once per alert
                self._unknown_logged.add(cell)
                log.warning("alert in unknown cell %r: routed to the centre", cell)
            return self.centre
        return office

    def recipients(self, alert: Alert) -> tuple[str, ...]:
        """Who must be told of `alert`, its own office first (no duplicates)."""
        names = [alert.office]
        if alert.rule == Rule.DISTRESS:
            names.append(self.centre)
        return tuple(dict.fromkeys(names))
