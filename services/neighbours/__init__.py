"""Neighbouring MSAs and the province: signed handover notices out, verified notices in."""
