"""The Prometheus text exposition the web's /metrics writes: kept in `services/core/exposition.py`
since every stage process answers /metrics too (`services/assembly/probe.py`)."""

from services.core.exposition import Exposition, Histogram

__all__ = ["Exposition", "Histogram"]
