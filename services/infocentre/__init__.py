"""The information centre: living data the rules use (watchlist, waterworks, modes) and the
registry of supervised objects, with their audit history."""
