"""Ingest stage: AIS NMEA lines in, decoded messages and domain records out.

Pure decoding core: framing (lines, tag blocks), assemble (multi-sentence messages),
normalize (pyais fields to the CONTRACTS §3 object), decoder (all of it behind one `push`),
dedup, records. The async feeds and the stage build on top of it.
"""
