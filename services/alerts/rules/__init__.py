"""The alert rules, one module per rule or family (CONTRACTS §4).

Each rule is a pure function of (vessel track, new position, zones, thresholds, event time):
no I/O, no wall clock, no asyncio. A rule updates the memory it keeps in the track (since
when a vessel is stationary, where it anchored...) and appends `Observation`s: active while
the condition holds, inactive once when it ends. Minimum durations and dwell times that are
part of a rule's meaning are applied here; the lifecycle adds its own debounce on top.
"""
