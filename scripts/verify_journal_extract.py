#!/usr/bin/env python3
"""Vérifie seul un extrait du journal d'Opalexe (``opalexe audit export``).

Usage ::

    python3 verify_journal_extract.py extrait.jsonl certificat-plateforme.pem
    python3 verify_journal_extract.py extrait.csv certificat-plateforme.pem

Needs Python 3.9+ and ``cryptography`` (``pip install cryptography``), nothing
of Opalexe. The certificate is the platform's, obtained apart from the
extract (``/preuves/certificat-plateforme.pem`` of the platform, or from its
operator): the certificate copied inside the extract is not trusted.

It checks, and says in French what failed:

1. each signed tree head's signature (ECDSA P-256, SHA-256) with the certificate;
2. each consistency proof between an earlier head and the latest (RFC 9162, 2.1.4.2);
3. for each entry: its leaf hash ``SHA-256(0x00 || record)`` where ``record``
   is the canonical JSON given (sorted keys, no spaces, UTF-8), that the
   record holds the entry's number, and its inclusion proof in the latest
   head's tree (RFC 9162, 2.1.3.2).

Exit status 0 when everything verifies, 1 otherwise.
"""

import base64
import csv
import hashlib
import json
import sys

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec


def leaf_hash(data):
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left, right):
    return hashlib.sha256(b"\x01" + left + right).digest()


def verify_inclusion(index, size, leaf, path, root):
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == root


def verify_consistency(first, second, first_root, second_root, path):
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
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and fr == first_root and sr == second_root


def canonical(value):
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def read_extract(path):
    """(heads, consistency proofs, entries) of a .jsonl or .csv extract."""
    heads, proofs, entries = [], [], []
    if path.endswith(".csv"):
        with open(path, newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                if row["type"] == "tree_head":
                    heads.append({"signed": row["head"], "signature": row["signature"]})
                elif row["type"] == "consistency":
                    proofs.append({"from": int(row["seq"]), "to": int(row["tree_size"]), "proof": row["proof"].split()})
                elif row["type"] == "entry":
                    entries.append({"seq": int(row["seq"]), "record": row["record"], "leaf_hash": row["leaf_hash"],
                                    "tree_size": int(row["tree_size"]) if row["tree_size"] else None,
                                    "proof": row["proof"].split() if row["tree_size"] else None})
        return heads, proofs, entries
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            item = json.loads(line)
            {"tree_head": heads, "consistency": proofs, "entry": entries}.get(item["type"], []).append(item)
    return heads, proofs, entries


def main(argv):
    if len(argv) != 3:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    extract_path, certificate_path = argv[1], argv[2]
    with open(certificate_path, "rb") as handle:
        public_key = x509.load_pem_x509_certificate(handle.read()).public_key()
    heads, proofs, entries = read_extract(extract_path)
    failures = []
    roots = {}
    for item in heads:
        signed = item["signed"].encode("utf-8")
        head = json.loads(signed)
        try:
            public_key.verify(base64.b64decode(item["signature"]), signed, ec.ECDSA(hashes.SHA256()))
        except InvalidSignature:
            failures.append(f"tête n° {head['number']} : signature invalide pour ce certificat")
            continue
        if canonical(head) != signed:
            failures.append(f"tête n° {head['number']} : forme non canonique")
            continue
        roots[head["tree_size"]] = bytes.fromhex(head["root_hash"])
    if not roots:
        failures.append("aucune tête signée valide dans l'extrait")
    latest = max(roots) if roots else None
    for item in proofs:
        first, second = item["from"], item["to"]
        if first not in roots or second not in roots or not verify_consistency(
                first, second, roots[first], roots[second], [bytes.fromhex(h) for h in item["proof"]]):
            failures.append(f"preuve de cohérence {first} → {second} invalide")
    for item in entries:
        seq = item["seq"]
        record = item["record"].encode("utf-8")
        leaf = leaf_hash(record)
        if json.loads(record).get("seq") != seq or canonical(json.loads(record)) != record:
            failures.append(f"entrée n° {seq} : l'enregistrement ne porte pas ce numéro ou n'est pas canonique")
        elif leaf.hex() != item["leaf_hash"]:
            failures.append(f"entrée n° {seq} : son empreinte ne correspond pas à son contenu")
        elif item["tree_size"] is None or item["tree_size"] not in roots:
            failures.append(f"entrée n° {seq} : couverte par aucune tête signée de l'extrait")
        elif not verify_inclusion(seq - 1, item["tree_size"], leaf, [bytes.fromhex(h) for h in item["proof"]],
                                  roots[item["tree_size"]]):
            failures.append(f"entrée n° {seq} : la preuve d'inclusion ne mène pas à la racine signée")
    if failures:
        print("Extrait NON vérifié :")
        for failure in failures:
            print(f"  - {failure}")
        return 1
    print(f"Extrait vérifié : {len(entries)} entrée(s) incluses dans l'arbre signé de {latest} entrées, "
          f"{len(roots)} tête(s) signée(s), {len(proofs)} preuve(s) de cohérence.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
