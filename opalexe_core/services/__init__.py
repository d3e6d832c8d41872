"""Behaviour spanning resources. No Pyramid request in here: callers pass
the root, the plugin manager and the acting account."""
