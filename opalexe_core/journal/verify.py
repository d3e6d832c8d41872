"""``opalexe audit verify``: the chain, the tree and every signed head.

The walk recomputes every sealed entry's leaf hash from its content and
checks, in order: that no number is missing, that each entry holds its own
number, that its stored leaf hash matches its content, and that it names
the leaf hash of the entry before it (the chain). The first entry that
fails is named, with what happened to it: altered, removed, inserted or
reordered. Then each signed head: its signature with the platform's
certificate, and its root against the tree recomputed from the entries.
A consistent rewrite of entries and of their hashes (without the signing
key) cannot match the signed heads: the first entry that no valid head
proves is then named. The stored tree nodes, which proofs are made from,
are checked too.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .merkle import Frontier, leaf_hash
from .records import canonical, paris, sealed_record
from .signer import verify_with
from .store import GENESIS

ALTERED = "altered"
REMOVED = "removed"
INSERTED = "inserted"
REORDERED = "reordered"

KIND_LABELS = {ALTERED: "modifiée", REMOVED: "supprimée", INSERTED: "insérée", REORDERED: "déplacée"}


@dataclass
class Verdict:
    ok: bool
    size: int = 0  # sealed entries
    intact_up_to: int = 0
    first_bad: int | None = None
    kind: str | None = None
    problems: list[str] = field(default_factory=list)
    heads_checked: int = 0
    signed_size: int = 0
    unsealed: int = 0

    def message(self) -> str:
        if self.ok:
            text = f"Journal intact jusqu'à l'entrée {self.intact_up_to}"
            if self.heads_checked:
                text += (f" ({self.signed_size} entrées couvertes par {self.heads_checked} "
                         "tête(s) signée(s) vérifiée(s))")
            else:
                text += " (aucune tête signée)"
            if self.unsealed:
                text += f" ; {self.unsealed} entrée(s) en attente de scellement"
            return text + "."
        return "Journal altéré : " + "; ".join(self.problems)


def _fail(verdict: Verdict, seq: int, kind: str, why: str) -> Verdict:
    verdict.ok = False
    verdict.first_bad = seq
    verdict.kind = kind
    verdict.intact_up_to = seq - 1
    verdict.problems.insert(0, f"première entrée en faute : n° {seq}, {KIND_LABELS[kind]} ({why})")
    return verdict


def _leaf(key, value):
    seq, prev, entry, _stored = value
    return leaf_hash(canonical(sealed_record(seq, prev, entry.data)))


def verify(journal, certificate_pem: str | None = None) -> Verdict:
    verdict = Verdict(ok=True, size=journal.state.size, unsealed=journal.unsealed())
    log = journal.log
    items = iter(log.items())
    leaves: list[bytes] = []
    expected, prev_leaf = 1, GENESIS
    values = {}

    def lookahead(key):
        if key not in values:
            values[key] = log.get(key)
        return values[key]

    for key, value in items:
        try:
            seq, prev, _entry, stored = value
            leaf = _leaf(key, value)
        except Exception:  # noqa: BLE001 — anything unreadable is an alteration
            return _fail(verdict, key, ALTERED, "illisible")
        if key != expected:
            return _fail(verdict, expected, REMOVED, f"les numéros passent de {expected - 1} à {key}")
        if seq != key:
            if seq < key:
                return _fail(verdict, key - 1, INSERTED,
                             f"l'entrée n° {seq} se trouve à la place n° {key} : une entrée a été ajoutée avant")
            holder = next((k for k, v in log.items(min=key + 1) if v and v[0] == key), None)
            if holder is not None:
                return _fail(verdict, key, REORDERED, f"l'entrée n° {key} se trouve à la place n° {holder}")
            return _fail(verdict, key, REMOVED, f"la place n° {key} contient l'entrée n° {seq}")
        if leaf != stored:
            following = lookahead(key + 1)
            if following is not None and following[0] == key:
                return _fail(verdict, key, INSERTED, "une entrée a été ajoutée à cette place")
            return _fail(verdict, key, ALTERED, "son contenu ne correspond plus à son empreinte scellée")
        if prev != prev_leaf:
            return _fail(verdict, key - 1, ALTERED,
                         f"l'entrée n° {key} ne désigne plus l'entrée n° {key - 1} comme précédente")
        leaves.append(leaf)
        prev_leaf = leaf
        expected += 1
    size = expected - 1
    if size != journal.state.size or (size and prev_leaf != journal.state.last_leaf):
        missing = min(size, journal.state.size) + 1 if size < journal.state.size else size
        return _fail(verdict, missing, REMOVED, f"le journal scellé compte {journal.state.size} entrées, "
                                                f"{size} sont présentes")
    verdict.intact_up_to = size
    return _check_heads(journal, leaves, verdict, certificate_pem)


def _check_heads(journal, leaves, verdict: Verdict, certificate_pem: str | None) -> Verdict:
    nodes = journal.nodes
    bad_nodes = []

    def check_node(level, index, h):
        if nodes.get((level, index)) != h:
            bad_nodes.append((level, index))

    frontier = Frontier(check_node)
    heads = list(journal.heads.items())
    proven = 0
    position = 0
    for number, (head, signature) in heads:
        size = head.get("tree_size", 0)
        if certificate_pem is not None and not verify_with(certificate_pem, signature, canonical(head)):
            verdict.ok = False
            verdict.problems.append(f"la signature de la tête n° {number} ne se vérifie pas avec le certificat")
            break
        if size > len(leaves):
            verdict.ok = False
            verdict.problems.append(f"la tête signée n° {number} couvre {size} entrées, le journal n'en a que "
                                    f"{len(leaves)}")
            first = proven + 1
            return _fail(verdict, first, REMOVED, f"des entrées signées par la tête n° {number} manquent")
        while position < size:
            frontier.append(leaves[position])
            position += 1
        if frontier.root().hex() != head.get("root_hash"):
            first = proven + 1
            verdict.problems.append(f"la racine de la tête signée n° {number} du {paris(head['timestamp'])} "
                                    f"ne correspond plus aux entrées {first} à {size}")
            return _fail(verdict, first, ALTERED, f"première entrée que ne prouve aucune tête signée valide ; "
                                                  f"une entrée entre {first} et {size} a été récrite")
        proven = size
        verdict.heads_checked += 1
        verdict.signed_size = size
    while position < len(leaves):
        frontier.append(leaves[position])
        position += 1
    if bad_nodes:
        verdict.ok = False
        verdict.problems.append(f"{len(bad_nodes)} nœud(s) de l'arbre de Merkle stocké(s) ne correspondent pas aux "
                                "entrées (les preuves d'inclusion en seraient fausses)")
    return verdict
