"""The `seagrid` command line (CONTRACTS §1)."""
