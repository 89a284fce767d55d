"""The bundled Quanzhou MSA demo: configuration directory and simulated recording.

Everything here is illustrative. The coastline is an OpenStreetMap extract (ODbL); cells,
zones and fairways are invented around sourced port positions so that every alert rule has
somewhere to fire. `python -m services.demo.build` regenerates grid.geojson, zones.geojson and
routes.geojson from the tables in this package; scripts/make-coastline regenerates land.geojson.
"""

from __future__ import annotations

from pathlib import Path

DEMO_DIR = Path(__file__).resolve().parent
CONFIG_DIR = DEMO_DIR / "config"
RECORDING = DEMO_DIR / "recording.nmea"
