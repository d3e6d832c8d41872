"""Merkle tree hashing of RFC 6962 (Certificate Transparency), section 2.1.

Leaves are hashed ``SHA-256(0x00 || data)``, interior nodes
``SHA-256(0x01 || left || right)``; a tree of ``n`` leaves splits at the
largest power of two below ``n``. Proofs and their verification follow
RFC 9162 (sections 2.1.3 and 2.1.4), whose verification algorithms the
standalone script ``scripts/verify_journal_extract.py`` repeats.

:class:`Tree` computes roots and proofs from a node store: ``node(level,
index)`` is the hash of the complete, aligned subtree of ``2**level``
leaves starting at ``index * 2**level`` (level 0: the leaf hashes). The
journal keeps every complete subtree's hash, so a root or a proof costs
O(log² n) look-ups, never a walk over every leaf.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence

EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def split(n: int) -> int:
    """The largest power of two strictly below ``n`` (n > 1)."""
    k = 1
    while k << 1 < n:
        k <<= 1
    return k


class Tree:
    """Roots and proofs over the first ``size`` leaves of a node store."""

    def __init__(self, node: Callable[[int, int], bytes], size: int):
        self.node = node
        self.size = size

    def subtree(self, start: int, end: int) -> bytes:
        n = end - start
        if n <= 0:
            return EMPTY_ROOT
        if n & (n - 1) == 0 and start % n == 0:
            return self.node(n.bit_length() - 1, start // n)
        k = split(n)
        return node_hash(self.subtree(start, start + k), self.subtree(start + k, end))

    def root(self, size: int | None = None) -> bytes:
        return self.subtree(0, self.size if size is None else size)

    def inclusion(self, index: int, size: int | None = None) -> list[bytes]:
        """The audit path of leaf ``index`` in the tree of ``size`` leaves."""
        size = self.size if size is None else size
        if not 0 <= index < size <= self.size:
            raise ValueError(f"no leaf {index} in a tree of {size}")
        return self._path(index, 0, size)

    def _path(self, m: int, start: int, end: int) -> list[bytes]:
        n = end - start
        if n == 1:
            return []
        k = split(n)
        if m < start + k:
            return self._path(m, start, start + k) + [self.subtree(start + k, end)]
        return self._path(m, start + k, end) + [self.subtree(start, start + k)]

    def consistency(self, first: int, second: int | None = None) -> list[bytes]:
        """The proof that the tree of ``first`` leaves is a prefix of the tree of ``second``."""
        second = self.size if second is None else second
        if not 0 < first <= second <= self.size:
            raise ValueError(f"no consistency proof from {first} to {second}")
        if first == second:
            return []
        return self._subproof(first, 0, second, True)

    def _subproof(self, m: int, start: int, end: int, whole: bool) -> list[bytes]:
        n = end - start
        if m == n:
            return [] if whole else [self.subtree(start, end)]
        k = split(n)
        if m <= k:
            return self._subproof(m, start, start + k, whole) + [self.subtree(start + k, end)]
        return self._subproof(m - k, start + k, end, False) + [self.subtree(start, start + k)]


def verify_inclusion(index: int, size: int, leaf: bytes, path: Sequence[bytes], root: bytes) -> bool:
    """RFC 9162, 2.1.3.2."""
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(first: int, second: int, first_root: bytes, second_root: bytes,
                       path: Sequence[bytes]) -> bool:
    """RFC 9162, 2.1.4.2."""
    if first > second or first == 0:
        return False
    if first == second:
        return not path and first_root == second_root
    if not path:
        return False
    path = list(path)
    if first & (first - 1) == 0:
        path = [first_root] + path
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == first_root and sr == second_root


class Frontier:
    """The right edge of a growing tree: append leaves one by one, get the
    root of the tree so far, and every complete subtree as it is completed
    (``on_node(level, index, hash)``). Used to seal and to verify in one pass."""

    def __init__(self, on_node: Callable[[int, int, bytes], None] | None = None):
        self.size = 0
        self.stack: list[bytes] = []  # roots of the perfect subtrees, largest first
        self.on_node = on_node

    def append(self, leaf: bytes) -> None:
        index, level, h = self.size, 0, leaf
        if self.on_node:
            self.on_node(0, index, h)
        while index & 1:
            h = node_hash(self.stack.pop(), h)
            index >>= 1
            level += 1
            if self.on_node:
                self.on_node(level, index, h)
        self.stack.append(h)
        self.size += 1

    def root(self) -> bytes:
        if not self.stack:
            return EMPTY_ROOT
        h = self.stack[-1]
        for left in reversed(self.stack[:-1]):
            h = node_hash(left, h)
        return h
