"""What the journal's tests share: reading the entries a request wrote, and
an app whose token holds the platform's key."""

from __future__ import annotations

from opalexe_core.journal.store import JOURNAL_KEY
from opalexe_core.storage import opened


def journal_db(app):
    return app.registry._zodb_databases["journal"]


def accepted(app) -> list[dict]:
    """Every accepted entry, sealed or not, in the order of their lanes."""
    with opened(journal_db(app)) as (zodb_root, _manager):
        journal = zodb_root[JOURNAL_KEY]
        return [dict(lane.entries[i].data) for _id, lane in journal.lanes.items() for i in range(lane.count)]


class Recorder:
    """The entries written since the last call of :meth:`new`."""

    def __init__(self, app):
        self.app = app
        self.seen = self._keys()

    def _keys(self):
        with opened(journal_db(self.app)) as (zodb_root, _manager):
            journal = zodb_root[JOURNAL_KEY]
            return {(lane_id, i): dict(lane.entries[i].data) for lane_id, lane in journal.lanes.items()
                    for i in range(lane.count)}

    def new(self) -> list[dict]:
        now = self._keys()
        fresh = [data for key, data in now.items() if key not in self.seen]
        self.seen = now
        return sorted(fresh, key=lambda d: d["at"])


def seal(app, sign=None):
    return app.registry.opalexe_journal.run(sign=sign)


def with_journal(zodb_root):
    return zodb_root[JOURNAL_KEY]


def token_settings(token) -> dict:
    return {"opalexe.pkcs11.module": token.module_path, "opalexe.pkcs11.token_label": token.label,
            "opalexe.pkcs11.pin": token.pin}
