"""The throwaway PostgreSQL cluster accepts SQL and backs a RelStorage ZODB."""

import os

import psycopg2
import pytest
import transaction
import ZODB
from persistent.mapping import PersistentMapping
from relstorage.adapters.postgresql import PostgreSQLAdapter
from relstorage.options import Options
from relstorage.storage import RelStorage

from pytest_opalexe.infra import fresh_database
from pytest_opalexe.postgres import PostgresCluster

pytestmark = pytest.mark.relstorage


def open_db(dsn):
    options = Options(keep_history=False)
    adapter = PostgreSQLAdapter(dsn=dsn, options=options)
    return ZODB.DB(RelStorage(adapter, options=options))


def test_cluster_listens_on_loopback(pg_cluster):
    assert pg_cluster.host == "127.0.0.1"
    assert pg_cluster.port > 0
    assert pg_cluster.user == "postgres"


def test_sql_roundtrip(pg_database):
    conn = psycopg2.connect(pg_database)
    try:
        with conn, conn.cursor() as cur:
            cur.execute("CREATE TABLE expertise (id serial PRIMARY KEY, title text)")
            cur.execute(
                "INSERT INTO expertise (title) VALUES (%s)", ("Expertise médicale",)
            )
        with conn.cursor() as cur:
            cur.execute("SELECT title FROM expertise")
            assert cur.fetchall() == [("Expertise médicale",)]
    finally:
        conn.close()


def dbname_of(dsn: str) -> str:
    return dict(part.split("=") for part in dsn.split())["dbname"]


def count_expertise_tables(dsn: str) -> int:
    conn = psycopg2.connect(dsn)
    try:
        with conn, conn.cursor() as cur:
            cur.execute("SELECT count(*) FROM pg_tables WHERE tablename = 'expertise'")
            return cur.fetchone()[0]
    finally:
        conn.close()


def test_each_test_gets_its_own_database(pg_cluster, pg_database):
    # Another test's database, as fresh_database gives it to pg_database,
    # holding a table: it must not show in this test's database.
    with fresh_database(pg_cluster) as other:
        conn = psycopg2.connect(other)
        try:
            with conn, conn.cursor() as cur:
                cur.execute("CREATE TABLE expertise (id serial PRIMARY KEY)")
        finally:
            conn.close()
        assert count_expertise_tables(other) == 1

        assert dbname_of(other) != dbname_of(pg_database)
        assert {dbname_of(other), dbname_of(pg_database)} <= set(pg_cluster.databases())
        assert count_expertise_tables(pg_database) == 0
    assert dbname_of(other) not in pg_cluster.databases()  # dropped after use


def test_relstorage_commit_then_reopen(pg_database):
    db = open_db(pg_database)
    try:
        with db.transaction() as conn:
            conn.root()["dossier"] = PersistentMapping(numero="RG 24/01234")
    finally:
        db.close()

    db = open_db(pg_database)
    try:
        with db.transaction() as conn:
            assert conn.root()["dossier"]["numero"] == "RG 24/01234"
    finally:
        db.close()
    transaction.abort()


def test_cluster_stops_and_cleans_up():
    with PostgresCluster() as cluster:
        datadir, port = cluster.datadir, cluster.port
        assert os.path.exists(os.path.join(datadir, "PG_VERSION"))
    assert not os.path.exists(datadir)
    with pytest.raises(psycopg2.OperationalError):
        psycopg2.connect(
            host="127.0.0.1", port=port, user="postgres", connect_timeout=2
        )


def test_database_names_are_checked(pg_cluster):
    with pytest.raises(ValueError, match="must match"):
        pg_cluster.create_database('x"; DROP DATABASE postgres; --')


DURABILITY = ("fsync", "full_page_writes", "synchronous_commit")


def durability_settings(cluster) -> dict:
    conn = cluster.connect()
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT name, setting FROM pg_settings WHERE name IN %s", (DURABILITY,))
            return dict(cur.fetchall())
    finally:
        conn.close()


def test_the_shared_cluster_trades_durability_for_speed(pg_cluster):
    assert durability_settings(pg_cluster) == dict.fromkeys(DURABILITY, "off")


def test_a_durable_cluster_syncs_its_commits(pg_durable_cluster):
    assert durability_settings(pg_durable_cluster) == dict.fromkeys(DURABILITY, "on")


def test_a_killed_cluster_recovers_its_commits_on_the_same_port(pg_durable_cluster):
    conn = pg_durable_cluster.connect()
    with conn, conn.cursor() as cur:
        cur.execute("CREATE TABLE expertise (title text)")
        cur.execute("INSERT INTO expertise VALUES ('Expertise médicale')")
    port = pg_durable_cluster.port

    pg_durable_cluster.kill()

    with pytest.raises(psycopg2.OperationalError):
        with conn.cursor() as cur:
            cur.execute("SELECT 1")
    conn.close()
    pg_durable_cluster.start_again()
    assert pg_durable_cluster.port == port
    assert "automatic recovery in progress" in pg_durable_cluster.log()
    conn = pg_durable_cluster.connect()
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT title FROM expertise")
            assert cur.fetchall() == [("Expertise médicale",)]
    finally:
        conn.close()
