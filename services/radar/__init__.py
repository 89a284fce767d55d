"""Radar targets (VTS, CONTRACTS §12): ARPA `TTM`/`TLL` sentences in, a fused AIS + radar
picture and the `radar_only` / `position_mismatch` rules out.

nmea (the sentences, pure), geometry (range and bearing to a position), association (radar
tracks to AIS vessels, global assignment with hysteresis), tracks (per-radar target state,
clutter filter), rules (the two alert rules), fusion (all of it per scan), stage (bus
plumbing), picture (what the web serves).
"""
