"""Filling the jurisdictions directory from the hook."""


def collect_jurisdictions(pm):
    """Every court, core data first so that plugins override it by code."""
    merged = {}
    # pluggy returns the last registered plugin first and trylast (the core) last.
    for specs in reversed(pm.hook.opalexe_jurisdictions_collect()):
        for spec in specs or ():
            merged[spec.code] = spec
    return list(merged.values())


def sync_jurisdictions(root, pm) -> tuple[int, int]:
    return root.jurisdictions.sync(collect_jurisdictions(pm))
