"""RFC 6962 hashing, roots and proofs against the definition, for every
tree size up to 70; a wrong leaf, root or path is refused."""

import hashlib

from opalexe_core.journal.merkle import (
    EMPTY_ROOT,
    Frontier,
    Tree,
    leaf_hash,
    node_hash,
    split,
    verify_consistency,
    verify_inclusion,
)


def mth(leaves):
    """MTH of RFC 6962, section 2.1, as written."""
    if not leaves:
        return EMPTY_ROOT
    if len(leaves) == 1:
        return leaves[0]
    k = split(len(leaves))
    return node_hash(mth(leaves[:k]), mth(leaves[k:]))


def test_hashes_are_domain_separated():
    assert leaf_hash(b"x") == hashlib.sha256(b"\x00x").digest()
    assert node_hash(b"a", b"b") == hashlib.sha256(b"\x01ab").digest()
    assert EMPTY_ROOT == hashlib.sha256(b"").digest()


def test_roots_and_proofs_for_every_size_up_to_70():
    nodes = {}
    frontier = Frontier(lambda level, index, h: nodes.__setitem__((level, index), h))
    leaves = []
    for index in range(70):
        leaves.append(leaf_hash(str(index).encode()))
        frontier.append(leaves[-1])
        assert frontier.root() == mth(leaves)
    tree = Tree(lambda level, index: nodes[(level, index)], 70)
    for size in range(1, 71):
        root = tree.root(size)
        assert root == mth(leaves[:size])
        for index in range(size):
            path = tree.inclusion(index, size)
            assert verify_inclusion(index, size, leaves[index], path, root)
            assert not verify_inclusion(index, size, leaf_hash(b"other"), path, root)
            if path:
                assert not verify_inclusion(index, size, leaves[index], path[:-1], root)
        for first in range(1, size + 1):
            proof = tree.consistency(first, size)
            assert verify_consistency(first, size, tree.root(first), root, proof)
            if first < size:
                assert not verify_consistency(first, size, tree.root(first), leaf_hash(b"forged"), proof)
                assert not verify_consistency(first, size, leaf_hash(b"forged"), root, proof)
