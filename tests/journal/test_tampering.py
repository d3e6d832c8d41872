"""Tampering with the journal's database directly (FileStorage and
RelStorage): `audit verify` names the first altered, removed, inserted or
reordered entry; a consistent rewrite without the key fails a signed head."""

import pytest

from opalexe_core.journal.merkle import leaf_hash
from opalexe_core.journal.records import canonical, sealed_record
from opalexe_core.journal.sequencer import frontier_of
from opalexe_core.journal.store import JOURNAL_KEY, Entry
from opalexe_core.journal.verify import ALTERED, INSERTED, REMOVED, REORDERED, verify
from opalexe_core.storage import opened
from pytest_opalexe.web import browser_client, close_app, demo_login, make_app, test_settings

from .helpers import journal_db, seal, token_settings


@pytest.fixture
def signed_app(storage, softhsm_token):
    """An app on ``storage`` whose token holds the platform's key, with a
    journal of a dozen sealed entries under a signed head."""
    app = make_app(test_settings(storage.uri, **token_settings(softhsm_token)))
    app.registry.opalexe_journal.signer.ensure_key()
    client = browser_client(app)
    demo_login(client, "expert")
    for _ in range(4):
        client.get("/")
    client.get("/comptes/", status=403)
    seal(app, sign=True)
    yield app
    close_app(app)


def certificate(app):
    return app.registry.opalexe_journal.signer.certificate_pem()


def check(app):
    with opened(journal_db(app)) as (zodb_root, _manager):
        return verify(zodb_root[JOURNAL_KEY], certificate(app))


def tamper(app, change):
    with opened(journal_db(app)) as (zodb_root, manager):
        change(zodb_root[JOURNAL_KEY])
        manager.commit()


def test_an_intact_journal_says_up_to_which_entry(signed_app):
    verdict = check(signed_app)
    assert verdict.ok and verdict.intact_up_to == verdict.size >= 8 and verdict.heads_checked == 1
    assert verdict.message().startswith(f"Journal intact jusqu'à l'entrée {verdict.size} ")


def test_an_altered_entry_is_named(signed_app):
    def alter(journal):
        seq, prev, entry, leaf = journal.log[5]
        entry.data = {**entry.data, "ip": "10.6.6.6"}

    tamper(signed_app, alter)
    verdict = check(signed_app)
    assert not verdict.ok and (verdict.first_bad, verdict.kind) == (5, ALTERED)
    assert "n° 5, modifiée" in verdict.message() and verdict.intact_up_to == 4


def test_a_removed_entry_is_named(signed_app):
    tamper(signed_app, lambda journal: journal.log.pop(4))
    verdict = check(signed_app)
    assert (verdict.first_bad, verdict.kind) == (4, REMOVED)


def test_a_removed_entry_is_named_when_the_others_were_renumbered(signed_app):
    def remove_and_shift(journal):
        log = journal.log
        last = log.maxKey()
        for key in range(4, last):
            log[key] = log[key + 1]
        del log[last]

    tamper(signed_app, remove_and_shift)
    verdict = check(signed_app)
    assert (verdict.first_bad, verdict.kind) == (4, REMOVED)


def test_an_inserted_entry_is_named_even_with_its_hashes_made_right(signed_app):
    def insert(journal):
        log = journal.log
        for key in range(log.maxKey(), 5, -1):
            log[key + 1] = log[key]
        _seq, _prev, previous_entry, previous_leaf = log[5]
        forged = Entry({**previous_entry.data, "action": "page.viewed", "path": "/faux"})
        leaf = leaf_hash(canonical(sealed_record(6, previous_leaf, forged.data)))
        log[6] = (6, previous_leaf, forged, leaf)

    tamper(signed_app, insert)
    verdict = check(signed_app)
    assert (verdict.first_bad, verdict.kind) == (6, INSERTED)


def test_reordered_entries_are_named(signed_app):
    def swap(journal):
        log = journal.log
        log[3], log[6] = log[6], log[3]

    tamper(signed_app, swap)
    verdict = check(signed_app)
    assert (verdict.first_bad, verdict.kind) == (3, REORDERED)
    assert "se trouve à la place n° 6" in verdict.message()


def test_a_rewrite_with_every_hash_recomputed_fails_the_signed_head(signed_app):
    """Whoever rewrites an entry and every hash after it, without the key,
    cannot sign a head: the first entry no valid head proves is named."""
    client = browser_client(signed_app)
    demo_login(client, "magistrat")
    client.get("/")
    seal(signed_app, sign=True)  # a second head
    with opened(journal_db(signed_app)) as (zodb_root, _manager):
        first_head_size = zodb_root[JOURNAL_KEY].heads[1][0]["tree_size"]
        size = zodb_root[JOURNAL_KEY].state.size
    target = first_head_size + 2

    def rewrite(journal):
        log, state = journal.log, journal.state
        seq, prev, entry, _leaf = log[target]
        entry.data = {**entry.data, "reason": "récrit"}
        for key in range(target, size + 1):
            seq, _old_prev, entry, _leaf = log[key]
            prev = log[key - 1][3]
            log[key] = (seq, prev, entry, leaf_hash(canonical(sealed_record(seq, prev, entry.data))))
        # the stored tree too, from the rewritten entry on
        state.size = target - 1
        frontier = frontier_of(journal)
        for key in range(target, size + 1):
            frontier.append(log[key][3])
        state.size, state.last_leaf = size, log[size][3]

    tamper(signed_app, rewrite)
    verdict = check(signed_app)
    assert not verdict.ok and verdict.first_bad == first_head_size + 1
    assert "tête signée n° 2" in verdict.message()


def test_a_head_signed_by_another_key_is_refused(signed_app, tmp_path):
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    other = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(x509.oid.NameOID.COMMON_NAME, "autre")])
    now = datetime.datetime.now(datetime.UTC)
    pem = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(other.public_key())
           .serial_number(1).not_valid_before(now).not_valid_after(now + datetime.timedelta(days=1))
           .sign(other, hashes.SHA256()).public_bytes(serialization.Encoding.PEM).decode())
    with opened(journal_db(signed_app)) as (zodb_root, _manager):
        verdict = verify(zodb_root[JOURNAL_KEY], pem)
    assert not verdict.ok and "signature de la tête n° 1" in verdict.message()
