"""How the expertises container scales: 100,000 children against 1,000.

Fills two containers on FileStorage (committing in batches), then times
random lookups by name (cold cache: each one reads its BTree bucket and the
case from disk; warm: the same lookups again), ``len()`` and adding one child
in its own transaction. Prints each timing for the large container as a ratio
of the small one measured in the same run. With a BTree the warm lookup and
``len`` stay near 1-2 and the cold lookup is bounded by disk reads, where a
scan of the children would grow ~100-fold.

    .venv/bin/python bench/containers.py [--large 100000] [--small 1000]
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time

import transaction

from opalexe_core.resources.expertise import Expertise, Expertises
from opalexe_core.storage import open_db


def fill(db, count: int) -> list[str]:
    manager = transaction.TransactionManager()
    connection = db.open(transaction_manager=manager)
    root = connection.root()
    root["c"] = container = Expertises()
    names = []
    for index in range(count):
        name = container.new_id()
        container.add(name, Expertise(name=f"case {index}", rg="RG18-1", exp="EXP18-1", jurisdiction_code="tj-angers"))
        names.append(name)
        if index % 5000 == 4999:
            manager.commit()
    manager.commit()
    connection.close()
    return names


def measure(db, names: list[str], samples: int) -> dict[str, float]:
    db.cacheMinimize()
    manager = transaction.TransactionManager()
    connection = db.open(transaction_manager=manager)
    connection.cacheMinimize()
    container = connection.root()["c"]
    picks = random.Random(7).sample(names, samples)
    timings = {}
    start = time.perf_counter()
    for name in picks:
        container[name].name  # noqa: B018 - load the object
    timings["lookup cold"] = (time.perf_counter() - start) / samples
    start = time.perf_counter()
    for name in picks:
        container[name].name  # noqa: B018
    timings["lookup warm"] = (time.perf_counter() - start) / samples
    start = time.perf_counter()
    for _ in range(samples):
        len(container)
    timings["len"] = (time.perf_counter() - start) / samples
    adds = []
    for _ in range(20):
        start = time.perf_counter()
        container.add(container.new_id(), Expertise(name="new", rg="", exp="", jurisdiction_code="tj-angers"))
        manager.commit()
        adds.append(time.perf_counter() - start)
    timings["add+commit"] = statistics.median(adds)
    connection.close()
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--large", type=int, default=100_000)
    parser.add_argument("--small", type=int, default=1_000)
    parser.add_argument("--samples", type=int, default=500)
    args = parser.parse_args()
    results = {}
    for label, count in (("small", args.small), ("large", args.large)):
        with tempfile.TemporaryDirectory() as tmp:
            db = open_db(f"file://{tmp}/Data.fs")
            started = time.perf_counter()
            names = fill(db, count)
            print(f"{label}: {count} children filled in {time.perf_counter() - started:.1f} s")
            results[label] = measure(db, names, min(args.samples, count))
            db.close()
    for key in results["small"]:
        small, large = results["small"][key], results["large"][key]
        print(f"{key:>12}: {large * 1e6:9.1f} µs vs {small * 1e6:9.1f} µs  ratio {large / small:5.2f}")


if __name__ == "__main__":
    main()
