"""A plugin that writes down every event delivered to it, in a file that
outlives its process; and the test's handle on it.

Like :mod:`.vote_kill`, the plugin is never installed for real:
:meth:`EventLog.install` writes a distribution of its own (a ``*.dist-info``
folder whose ``entry_points.txt`` names this module in the ``opalexe`` group)
into a directory that the test puts on a server process's ``PYTHONPATH``.

Each delivery of ``opalexe_event_committed`` appends one JSON line (the
event's id, kind, object path, e-mail when it has one, and the receiving
process) in a single ``write`` followed by ``fsync``: a line written is on
disk before the outbox records the delivery, so a process killed after
that still leaves it. A test reads the lines back to count how many times
each event arrived.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from opalexe_core.api import hookimpl

ENV_FILE = "OPALEXE_EVENT_LOG"
ENTRY_POINT_GROUP = "opalexe"
DISTRIBUTION = "opalexe_test_event_log"
PLUGIN_NAME = "event_log"


# -- in the server process -------------------------------------------------------


@hookimpl
def opalexe_event_committed(event):
    path = os.environ.get(ENV_FILE)
    if not path:
        return
    record = {
        "id": event.id,
        "kind": event.kind,
        "object_path": list(event.object_path),
        "email": getattr(event, "email", None),
        "pid": os.getpid(),
    }
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    try:
        os.write(fd, (json.dumps(record) + "\n").encode())
        os.fsync(fd)
    finally:
        os.close(fd)


# -- in the test -------------------------------------------------------------------


class EventLog:
    """The test's handle, all in ``directory``: ``install()`` returns the
    environment that loads the plugin into a server process, ``received()``
    reads every delivery so far, in order."""

    def __init__(self, directory: Path):
        self.directory = directory
        self.path = directory / "events.jsonl"

    def install(self) -> dict:
        site = self.directory / "site"
        dist_info = site / f"{DISTRIBUTION}-0.dist-info"
        dist_info.mkdir(parents=True, exist_ok=True)
        (dist_info / "METADATA").write_text(
            f"Metadata-Version: 2.1\nName: {DISTRIBUTION}\nVersion: 0\nRequires-Dist: opalexe<2,>=1.0\n"
        )
        (dist_info / "entry_points.txt").write_text(f"[{ENTRY_POINT_GROUP}]\n{PLUGIN_NAME} = {__name__}\n")
        path = os.pathsep.join(filter(None, [str(site), os.environ.get("PYTHONPATH")]))
        return {"PYTHONPATH": path, ENV_FILE: str(self.path)}

    def received(self) -> list[dict]:
        try:
            lines = self.path.read_text().splitlines()
        except FileNotFoundError:
            return []
        return [json.loads(line) for line in lines]
