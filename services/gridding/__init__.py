"""Gridding stage: assigns positions to grid cells and offices, and tracks transitions."""
