"""A plugin that kills the server process inside a commit, after the storage
voted and before it finished; and the test's handle on it.

The plugin is never installed for real: :meth:`VoteKill.install` writes a
distribution of its own (a ``*.dist-info`` folder whose ``entry_points.txt``
names this module in the ``opalexe`` group) into a directory that the test
puts on the server process's ``PYTHONPATH``. The core's plugin manager loads
it from there as it loads any installed plugin (pluggy's
``load_setuptools_entrypoints`` reads ``importlib.metadata``); the runtime
package carries no fault injection.

On each POST the plugin joins a data manager to the request's transaction
(``request.tm``, pyramid_tm's explicit manager, begun by its tween before
Pyramid emits ``NewRequest``). Once the test has armed it, that data
manager's ``tpc_vote`` writes down the request it is killing and sends
SIGKILL to its own process.

Why that is between the storage's vote and finish: ``transaction``'s
``Transaction._commitResources`` sorts the resources by ``sortKey()``, calls
``tpc_begin`` on each, then ``commit`` on each, then ``tpc_vote`` on each,
and only then ``tpc_finish`` on each. A ZODB ``Connection``'s key is
``f"{storage.sortKey()}:{id(connection)}"``, and both FileStorage (through
``BaseStorage``) and RelStorage answer their name: the file's path, or the
ZConfig section's name (``"RelStorage: <adapter>"`` by default). This data
manager's key starts with U+10FFFF, the highest code point, so it sorts
after the connection's, which voted just before: FileStorage has written the
transaction to Data.fs with its checkpoint flag still set, RelStorage holds
its row locks in an open PostgreSQL transaction; neither has finished. The
record carries both keys, so a test checks the order it relied on.
"""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

from pyramid.events import NewRequest
from pyramid_zodbconn import get_connection
from transaction.interfaces import IDataManager
from zope.interface import implementer

from opalexe_core.api import hookimpl

ENV_DIRECTORY = "OPALEXE_VOTE_KILL_DIR"
ENTRY_POINT_GROUP = "opalexe"  # the plugin contract's group (opalexe_core.hookspecs)
DISTRIBUTION = "opalexe_test_vote_kill"
SORT_KEY = "\U0010ffff opalexe test vote kill"
ARMED = "armed"
VICTIMS = "victims.jsonl"


# -- in the server process -------------------------------------------------------


@hookimpl
def opalexe_config_include(config, settings):
    directory = os.environ.get(ENV_DIRECTORY)
    if directory:
        config.add_subscriber(JoinPosts(Path(directory)), NewRequest)


class JoinPosts:
    """``NewRequest`` subscriber: every POST's transaction gets a :class:`KillInVote`."""

    def __init__(self, directory: Path):
        self.directory = directory

    def __call__(self, event) -> None:
        request = event.request
        if request.method == "POST":
            request.tm.get().join(KillInVote(self.directory, request))


@implementer(IDataManager)
class KillInVote:
    """A data manager with nothing to write; once armed, its vote kills the process."""

    def __init__(self, directory: Path, request):
        self.directory = directory
        self.request = request
        self.transaction_manager = request.tm

    def sortKey(self) -> str:
        return SORT_KEY

    def tpc_vote(self, txn) -> None:
        if (self.directory / ARMED).exists():
            self._write_down_victim(txn)
            os.kill(os.getpid(), signal.SIGKILL)

    def _write_down_victim(self, txn) -> None:
        record = {
            "pid": os.getpid(),
            "transaction_status": str(txn.status),  # "Committing": inside commit(), not an abort
            "path": self.request.path,
            "fields": {key: value for key, value in self.request.POST.items() if key != "csrf_token"},
            "sort_key": SORT_KEY,
            "storage_sort_key": get_connection(self.request).sortKey(),
        }
        # Appended in one write: two threads may vote at once on RelStorage.
        fd = os.open(self.directory / VICTIMS, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        try:
            os.write(fd, (json.dumps(record) + "\n").encode())
        finally:
            os.close(fd)

    def abort(self, txn) -> None:
        pass

    def tpc_begin(self, txn) -> None:
        pass

    def commit(self, txn) -> None:
        pass

    def tpc_finish(self, txn) -> None:
        pass

    def tpc_abort(self, txn) -> None:
        pass

    def savepoint(self):
        return _NothingToRollBack()


class _NothingToRollBack:
    def rollback(self) -> None:
        pass


# -- in the test -------------------------------------------------------------------


class VoteKill:
    """The test's handle on the plugin, all in ``directory``: ``install()``
    returns the environment that loads it into a server process, ``arm()``
    makes the next commit of a POST kill that process, ``victims()`` reads
    what the killed commits were."""

    def __init__(self, directory: Path):
        self.directory = directory

    def install(self) -> dict:
        site = self.directory / "site"
        dist_info = site / f"{DISTRIBUTION}-0.dist-info"
        dist_info.mkdir(parents=True, exist_ok=True)
        (dist_info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {DISTRIBUTION}\nVersion: 0\n")
        (dist_info / "entry_points.txt").write_text(f"[{ENTRY_POINT_GROUP}]\nvote_kill = {__name__}\n")
        path = os.pathsep.join(filter(None, [str(site), os.environ.get("PYTHONPATH")]))
        return {"PYTHONPATH": path, ENV_DIRECTORY: str(self.directory)}

    def arm(self) -> None:
        (self.directory / ARMED).touch()

    def victims(self) -> list[dict]:
        try:
            lines = (self.directory / VICTIMS).read_text().splitlines()
        except FileNotFoundError:
            return []
        return [json.loads(line) for line in lines]
