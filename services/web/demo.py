"""Demo mode's web side: the demo users and their password (CONTRACTS §6).

The demo *feed* (the bundled recording replayed in a loop) is pipeline, not web: it lives
in `services/assembly/demo_feed.py`, beside the composition root that wires it in.
"""

from __future__ import annotations

from services.core.config import SeagridConfig
from services.web.auth import User

DEMO_PASSWORD = "demo"


def demo_users(config: SeagridConfig) -> list[User]:
    """CONTRACTS §6: `operator` and one user per office named after it; plus `supervisor`,
    `admin`, and `patrol` crewing the first patrol vessel of the configuration."""
    users = [User("operator", "operator"), User("supervisor", "supervisor"), User("admin", "admin")]
    users += [User(office.id, "office", office=office.id) for office in config.offices]
    patrols = config.sections.get("patrol_vessels") or []
    known = config.office_ids()
    for vessel in patrols:
        if isinstance(vessel, dict) and vessel.get("office") in known and vessel.get("mmsi"):
            users.append(
                User("patrol", "patrol", office=vessel["office"], mmsi=int(vessel["mmsi"]))
            )
            break
    return users
