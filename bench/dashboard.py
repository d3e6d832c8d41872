"""How the dashboard scales: 10,000 expertises, a few hundred for the
account measured, spread over the courts.

Fills a FileStorage database through the services (each case with its
parties, folders, participants and its summary in the dashboards' index;
``build_case``, creation without its event, so that 10,000 events do not
wait in the outbox),
then serves the application in this process (WebTest) and times, in
turns, three requests:

* the trivial one: the home page of a visitor (the layout and a short
  template, no case read);
* the dashboard of the measured expert (its cases, first page);
* a search on that dashboard (a party's name, with a court filter).

Prints the p95 of the dashboard and of the search as ratios of the trivial
request's p95, measured in the same run. With the index both stay well
under 10; a dashboard that read every case, or each of the account's cases,
would not.

    .venv/bin/python bench/dashboard.py [--cases 10000] [--mine 300] [--samples 200]
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from opalexe_core.contract import AuthMethod
from opalexe_core.plugins import installed_plugin_names, make_plugin_manager
from opalexe_core.services.accounts import create_account
from opalexe_core.services.expertises import CaseData, build_case
from opalexe_core.services.platform import Actor, Platform
from opalexe_core.storage import initialize, open_db, opened
from pytest_opalexe.web import browser_client, close_app, file_storage_uri, test_settings

SURNAMES = ("Dupont", "Martin", "Bernard", "Petit", "Durand", "Leroy", "Moreau", "Simon", "Laurent", "Lefebvre",
            "Michel", "Garcia", "David", "Bertrand", "Roux", "Vincent", "Fournier", "Morel", "Girard", "Andre")
COMPANIES = ("SARL Bâti Ouest", "SCI Les Acacias", "SA Assurances Loire", "Syndicat des copropriétaires Le Parc",
             "SAS Charpentes du Maine", "SARL Toitures Anjou", "SCI du Château", "SA Mutuelle du Mans")


def fill(uri: str, cases: int, mine: int, seed: int = 7) -> str:
    """Fill the database; returns the e-mail address of the measured expert."""
    pm = make_plugin_manager(tuple(installed_plugin_names()))  # the core's defaults only
    db = open_db(uri)
    initialize(db, pm)
    rng = random.Random(seed)
    with opened(db) as (zodb_root, manager):
        from opalexe_core.resources.root import get_root

        root = get_root(zodb_root)
        platform = Platform.offline(root, pm)
        operator = Actor.platform()
        experts = [create_account(platform, operator, first_name="Expert", last_name=f"N{index:03d}",
                                  email=f"expert{index}@bench.test", profile="expert") for index in range(40)]
        lawyers = [create_account(platform, operator, first_name="Avocat", last_name=f"N{index:03d}",
                                  email=f"avocat{index}@bench.test", profile="avocat") for index in range(60)]
        manager.commit()
        courts = sorted(code for code, court in root.jurisdictions.items() if court.kind in ("TJ", "CA", "TC"))
        me = experts[0]
        started = time.perf_counter()
        for number in range(cases):
            expert = me if number < mine else experts[1 + number % (len(experts) - 1)]
            court = courts[number % len(courts)]
            first = rng.choice(SURNAMES)
            ordered = date(2020, 1, 1) + timedelta(days=number % 900)
            data = CaseData(
                jurisdiction_code=court, rg=f"{18 + number % 7}/{number + 1:05d}",
                exp=f"{18 + number % 7}/{number + 1}",
                parties=[(f"{first} {number}", "demandeur", "physique"), (rng.choice(COMPANIES), "defendeur", "morale"),
                         (rng.choice(COMPANIES) + f" {number % 13}", "defendeur", "morale")],
                order_date=ordered, report_due=ordered + timedelta(days=300 + number % 500),
                lawyers={0: [lawyers[number % len(lawyers)]], 1: [lawyers[(number + 7) % len(lawyers)]]},
            )
            build_case(platform, Actor(expert, AuthMethod.CLI), data)
            if number % 250 == 249:
                manager.commit()
                print(f"  {number + 1} cases ({time.perf_counter() - started:.0f} s)", flush=True)
        manager.commit()
        email = me.email
        assert len(root.expertises.index.cases_of(me)) == mine
    db.close()
    return email


def login(client, email: str) -> None:
    page = client.get("/connexion/demo")
    form = next(form for form in page.forms.values() if f'data-email="{email}"' in form.text)
    form.submit().follow()


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[-1]


def measure(client_visitor, client_me, samples: int, search: str) -> dict[str, list[float]]:
    requests = {
        "trivial": (client_visitor, "/", {}),
        "dashboard": (client_me, "/", {}),
        "search": (client_me, "/", {"q": search}),
    }
    timings = {name: [] for name in requests}
    for client, path, params in requests.values():  # warm up: templates compiled, caches filled
        for _ in range(5):
            client.get(path, params=params)
    for _ in range(samples):
        for name, (client, path, params) in requests.items():
            start = time.perf_counter()
            response = client.get(path, params=params)
            timings[name].append(time.perf_counter() - start)
            assert response.status_int == 200
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--mine", type=int, default=300)
    parser.add_argument("--samples", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        uri = file_storage_uri(Path(tmp))
        print(f"filling {args.cases} expertises, {args.mine} of them for the account measured…")
        started = time.perf_counter()
        email = fill(uri, args.cases, args.mine)
        print(f"filled in {time.perf_counter() - started:.0f} s")
        import opalexe_core

        app = opalexe_core.main({}, **test_settings(uri))
        try:
            visitor, me = browser_client(app), browser_client(app)
            login(me, email)
            first_page = me.get("/").text
            shown = len(re.findall(r'href="http://localhost/expertises/[0-9a-f]+/"', first_page))
            search = "Dupont"
            found = re.search(r"(\d+) expertises", me.get("/", params={"q": search}).text)
            print(f"dashboard: {shown} rows on its first page; search « {search} »: "
                  f"{found.group(1) if found else '?'} cases found")
            timings = measure(visitor, me, args.samples, search)
        finally:
            close_app(app)
    base = p95(timings["trivial"])
    print(f"{'trivial':>10}: p95 {base * 1000:7.2f} ms")
    worst = 0.0
    for name in ("dashboard", "search"):
        value = p95(timings[name])
        ratio = value / base
        worst = max(worst, ratio)
        print(f"{name:>10}: p95 {value * 1000:7.2f} ms  ratio {ratio:5.2f}")
    print("both under 10" if worst < 10 else "ABOVE 10")


if __name__ == "__main__":
    main()
