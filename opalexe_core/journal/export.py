"""Extracts of the journal for a court: by expertise, account or period,
as JSON Lines and CSV, checkable without the platform.

An extract holds the selected entries (each its canonical sealed record,
exactly the bytes its leaf hash covers), the latest signed tree head, an
inclusion proof of each entry in that head's tree, and consistency proofs
from earlier signed heads to it. ``scripts/verify_journal_extract.py``
checks it with ``cryptography`` alone, against the platform's certificate.
"""

from __future__ import annotations

import base64
import csv
import io
import json
from dataclasses import dataclass, field
from datetime import datetime

from .records import canonical, paris, parse_utc, sealed_record, utc_text
from .sequencer import tree_of

FORMAT = "opalexe-journal-extract/1"
CSV_COLUMNS = ("type", "seq", "at_utc", "at_paris", "name", "email", "account", "method", "fingerprint", "ip",
               "action", "path", "expertise", "outcome", "reason", "tree_size", "leaf_hash", "proof", "record",
               "head", "signature")


@dataclass
class Selection:
    expertise: str | None = None
    account: str | None = None
    since: datetime | None = None  # aware, inclusive
    until: datetime | None = None  # aware, exclusive

    def describe(self) -> dict:
        return {"expertise": self.expertise, "account": self.account,
                "since": utc_text(self.since) if self.since else None,
                "until": utc_text(self.until) if self.until else None}


@dataclass
class Extract:
    selection: Selection
    generated_at: datetime
    certificate_pem: str | None
    head: tuple[dict, bytes] | None
    entries: list[dict] = field(default_factory=list)  # seq, record (str), leaf (hex), proof
    consistency: list[dict] = field(default_factory=list)
    heads: list[tuple[dict, bytes]] = field(default_factory=list)
    unproven: int = 0


def select(journal, selection: Selection, limit: int | None = None) -> list[int]:
    """Entry numbers matching ``selection``, in order."""
    candidates = None
    for tree, key in ((journal.by_expertise, selection.expertise), (journal.by_account, selection.account)):
        if key:
            seqs = set(tree.get(key, ()))
            candidates = seqs if candidates is None else candidates & seqs
    numbers = sorted(candidates) if candidates is not None else journal.log.keys()
    chosen = []
    for seq in numbers:
        if selection.since or selection.until:
            at = parse_utc(journal.log[seq][2].data["at"])
            if selection.since and at < selection.since or selection.until and at >= selection.until:
                continue
        chosen.append(seq)
        if limit and len(chosen) >= limit:
            break
    return chosen


def build(journal, selection: Selection, now: datetime, earlier_heads: int = 5) -> Extract:
    heads = list(journal.heads.values())
    head = heads[-1] if heads else None
    certificate = journal.certificates.get(head[0]["signer"]) if head else None
    extract = Extract(selection, now, certificate, head)
    size = head[0]["tree_size"] if head else 0
    tree = tree_of(journal)
    for seq in select(journal, selection):
        number, prev, entry, leaf = journal.log[seq]
        item = {"seq": seq, "record": canonical(sealed_record(number, prev, entry.data)).decode("utf-8"),
                "leaf_hash": leaf.hex(), "entry": entry.data, "proof": None, "tree_size": None}
        if seq <= size:
            item["proof"] = [h.hex() for h in tree.inclusion(seq - 1, size)]
            item["tree_size"] = size
        else:
            extract.unproven += 1
        extract.entries.append(item)
    if head:
        for earlier, _signature in heads[-1 - earlier_heads:-1]:
            if earlier["tree_size"] < size:
                extract.consistency.append({"from": earlier["tree_size"], "to": size,
                                            "proof": [h.hex() for h in tree.consistency(earlier["tree_size"], size)]})
                extract.heads.append(journal.heads[earlier["number"]])
        extract.heads.append(head)
    return extract


def _head_line(head) -> dict:
    data, signature = head
    return {"type": "tree_head", "head": data, "signed": canonical(data).decode("utf-8"),
            "signature": base64.b64encode(signature).decode("ascii")}


def to_jsonl(extract: Extract) -> str:
    lines = [{"type": "extract", "format": FORMAT, "selection": extract.selection.describe(),
              "generated_at": utc_text(extract.generated_at), "certificate": extract.certificate_pem,
              "entries": len(extract.entries), "unproven": extract.unproven}]
    lines += [_head_line(head) for head in extract.heads]
    lines += [{"type": "consistency", **item} for item in extract.consistency]
    lines += [{"type": "entry", "seq": item["seq"], "record": item["record"], "leaf_hash": item["leaf_hash"],
               "tree_size": item["tree_size"], "proof": item["proof"]} for item in extract.entries]
    return "".join(json.dumps(line, ensure_ascii=False, sort_keys=True) + "\n" for line in lines)


def to_csv(extract: Extract) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for head in extract.heads:
        line = _head_line(head)
        writer.writerow({"type": "tree_head", "seq": head[0]["number"], "at_utc": head[0]["timestamp"],
                         "at_paris": paris(head[0]["timestamp"]), "tree_size": head[0]["tree_size"],
                         "leaf_hash": head[0]["root_hash"], "head": line["signed"], "signature": line["signature"]})
    for item in extract.consistency:
        writer.writerow({"type": "consistency", "seq": item["from"], "tree_size": item["to"],
                         "proof": " ".join(item["proof"])})
    for item in extract.entries:
        data = item["entry"]
        writer.writerow({"type": "entry", "seq": item["seq"], "at_utc": data["at"], "at_paris": paris(data["at"]),
                         "name": data.get("name"), "email": data.get("email"), "account": data.get("account"),
                         "method": data.get("method"), "fingerprint": data.get("fingerprint"), "ip": data.get("ip"),
                         "action": data.get("action"), "path": data.get("path"), "expertise": data.get("expertise"),
                         "outcome": data.get("outcome"), "reason": data.get("reason"),
                         "tree_size": item["tree_size"] or "", "leaf_hash": item["leaf_hash"],
                         "proof": " ".join(item["proof"] or []), "record": item["record"]})
    return out.getvalue()
