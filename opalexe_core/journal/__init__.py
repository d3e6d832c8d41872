"""The journal: one append-only, tamper-evident record of every access and
action, in a ZODB database of its own (``zodbconn.uri.journal``).

* :mod:`.store` — the persistent structures: lanes that accept entries
  without write conflicts, the sealed log, the Merkle tree's nodes, the
  signed tree heads and the evidences.
* :mod:`.writer` — appending an entry in the current transaction (the
  domain events' subscriber, the requests' tweens in :mod:`.web`).
* :mod:`.sequencer` — the one place that numbers, chains and seals the
  accepted entries and signs tree heads, within a bounded delay.
* :mod:`.verify` — ``opalexe audit verify``; :mod:`.export` — extracts.
* :mod:`.signer` — the platform's signing key, on the PKCS#11 token.
"""
