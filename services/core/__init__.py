"""Shared kernel: domain types, settings, bus, codec and stage runner.

Stages import from here and never from each other, so each can run in its own process.
"""
