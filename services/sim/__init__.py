"""Traffic simulator: writes a SIMULATED AIS NMEA recording of vessels in a config directory.

A scenario is a list of vessel plans (identity + kinematic track); the writer samples each
track on the ITU-R M.1371 reporting schedule and encodes the reports as tag-blocked NMEA
lines as two shore receivers would log them. Seeded: same inputs, same bytes.
"""
