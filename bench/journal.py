"""The journal's cost: 100,000 entries appended, sealed and verified, as a
ratio against hashing the same bytes with SHA-256 in the same run; and the
cost a request pays for its entry, as a ratio against the same request with
the journal's tweens bypassed.

1. ``append``: the entries accepted in their lanes (committing in batches of
   1,000, as a busy process's requests would, but in fewer transactions);
2. ``seal``: the sequencer numbers, chains and adds them to the Merkle tree;
3. ``verify``: ``audit verify`` recomputes every leaf, the chain and the tree;
4. baseline: ``hashlib.sha256`` over each entry's canonical bytes.

Then ``request``: a logged-in GET of a case page on FileStorage, with and
without its entry (each journaled GET commits one small transaction on the
journal's database).

    .venv/bin/python bench/journal.py [--entries 100000] [--requests 300]
"""

from __future__ import annotations

import argparse
import hashlib
import re
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import transaction

from opalexe_core.journal.records import canonical, make_entry
from opalexe_core.journal.sequencer import Sequencer
from opalexe_core.journal.store import ensure_journal, get_journal
from opalexe_core.journal.verify import verify
from opalexe_core.journal.writer import append
from opalexe_core.storage import open_db, opened


def entries(count: int):
    now = datetime.now(UTC)
    for index in range(count):
        yield make_entry(at=now, account=f"{index % 500:016x}", name="Jean MARTIN", email="expert@example.org",
                         method="certificate", fingerprint="ab" * 32, ip="192.0.2.10", action="page.viewed",
                         path=f"/expertises/{index % 50:016x}/dossiers/01-notes", expertise=f"{index % 50:016x}",
                         details={"method": "GET", "status": 200, "route": None})


def timed(function):
    started = time.perf_counter()
    result = function()
    return time.perf_counter() - started, result


def journal_bench(count: int, folder: Path) -> None:
    db = open_db(f"file://{folder}/Journal.fs", name="journal")
    manager = transaction.TransactionManager()
    connection = db.open(transaction_manager=manager)
    ensure_journal(connection)
    manager.commit()
    data = list(entries(count))

    def do_append():
        for index, entry in enumerate(data):
            append(connection, entry)
            if index % 1000 == 999:
                manager.commit()
        manager.commit()

    append_seconds, _ = timed(do_append)
    connection.close()
    seal_seconds, report = timed(lambda: Sequencer(db).run())
    assert report.sealed == count, report
    with opened(db) as (zodb_root, _manager):
        verify_seconds, verdict = timed(lambda: verify(get_journal(zodb_root._p_jar)))
    assert verdict.ok and verdict.intact_up_to == count, verdict.message()
    blobs = [canonical(entry) for entry in data]
    hash_seconds, _ = timed(lambda: [hashlib.sha256(blob).digest() for blob in blobs])
    db.close()
    total = sum(map(len, blobs))
    print(f"{count} entries, {total / count:.0f} bytes each; sha256 of the same bytes: {hash_seconds:.3f} s")
    for name, seconds in (("append (lanes, batches of 1000)", append_seconds), ("seal (chain + Merkle tree)",
                                                                                  seal_seconds),
                          ("verify (chain + tree + nodes)", verify_seconds)):
        print(f"  {name:34s} {seconds:8.2f} s  = {seconds / hash_seconds:7.0f} × sha256")


def request_bench(requests: int, folder: Path) -> None:
    from opalexe_core.journal import web
    from pytest_opalexe.web import browser_client, close_app, demo_login, file_storage_uri, make_app, test_settings

    app = make_app(test_settings(file_storage_uri(folder / "app")))
    client = browser_client(app)
    demo_login(client, "expert")
    url = next(u for u in re.findall(r'href="([^"]+)"', client.get("/").text) if "/expertises/" in u)

    def run():
        for _ in range(requests):
            client.get(url)

    original = web.append
    web.append = lambda connection, data: None  # the same request, its entry not written
    try:
        run()  # warm up
        without, _ = timed(run)
    finally:
        web.append = original
    with_journal, _ = timed(run)
    close_app(app)
    print(f"{requests} logged-in GETs of a case page: {without / requests * 1000:.1f} ms each without their entry, "
          f"{with_journal / requests * 1000:.1f} ms with it: ratio {with_journal / without:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="opalexe-bench-journal-") as folder:
        journal_bench(args.entries, Path(folder))
        request_bench(args.requests, Path(folder))


if __name__ == "__main__":
    main()
