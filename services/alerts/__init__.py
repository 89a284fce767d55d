"""Alerts: rules that notice what needs action, and the lifecycle that routes it to an office."""
