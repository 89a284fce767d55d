"""Bus topic names: the one place every stage agrees on them.

Each topic carries one record type, encoded by `services.core.codec`.
"""

POSITIONS = "seagrid.positions"  # Position, from ingest
STATIC = "seagrid.static"  # VesselStatic, from ingest
MESSAGES = "seagrid.messages"  # decoded AIS message dicts (safety messages, types 12/14...)
TRANSITIONS = "seagrid.transitions"  # cell/jurisdiction events, from gridding
CELL_POSITIONS = "seagrid.cell_positions"  # Position + cell + office, from gridding
ALERTS = "seagrid.alerts"  # Alert records and their state changes, from alerts
ALERT_COMMANDS = "seagrid.alert_commands"  # OperatorCommand (ack, resolve, silence...), from web
# CellPosition the rules accepted (position jumps removed), from alerts when asked (replay)
ACCEPTED_POSITIONS = "seagrid.accepted_positions"
# LiveData snapshots (watchlist, waterworks, modes), from web -> alerts (services/infocentre)
INFOCENTRE = "seagrid.infocentre"
RADAR = "seagrid.radar"  # RadarReport (ARPA TTM/TLL targets), from ingest
FUSION = "seagrid.fusion"  # RadarTrackState per radar track and scan, from fusion
# With partitions: each alerts partition's vessels under way, for the others' pairwise rules
PICTURE = "seagrid.picture"

ALL = (
    POSITIONS,
    STATIC,
    MESSAGES,
    TRANSITIONS,
    CELL_POSITIONS,
    ALERTS,
    ALERT_COMMANDS,
    ACCEPTED_POSITIONS,
    INFOCENTRE,
    RADAR,
    FUSION,
    PICTURE,
)
