"""The journal's records as plain data, and their one byte form.

A record is a ``dict`` of strings, integers, booleans, ``None``, lists and
dicts (no floats): its canonical form is its JSON with sorted keys, no
spaces and UTF-8 text (:func:`canonical`), which any JSON library can
reproduce. Times are UTC, written ``2026-11-28T22:10:00.123456Z``; people
read them in Europe/Paris (:func:`paris`).
"""

from __future__ import annotations

import dataclasses
import enum
import json
from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")

#: The fields of every entry, in the order exports write them.
ENTRY_FIELDS = ("at", "account", "name", "email", "method", "fingerprint", "ip", "action", "path", "expertise",
                "outcome", "reason", "event", "details")

ALLOWED = "allowed"
REFUSED = "refused"


def canonical(value) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def utc_text(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_utc(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


def paris(text_or_moment) -> str:
    """``28/11/2026 23:10:00``: the moment in Europe/Paris, as people read it."""
    moment = parse_utc(text_or_moment) if isinstance(text_or_moment, str) else text_or_moment
    return moment.astimezone(PARIS).strftime("%d/%m/%Y %H:%M:%S")


def plain(value):
    """``value`` as record data: enumerations as their value, times as UTC
    text, tuples as lists, decimals as text."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, enum.Enum):
        return plain(value.value)
    if isinstance(value, datetime):
        return utc_text(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal | float):
        return str(value)
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, dict) or hasattr(value, "items"):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [plain(item) for item in value]
    if dataclasses.is_dataclass(value):
        return {field.name: plain(getattr(value, field.name)) for field in dataclasses.fields(value)}
    return str(value)


def make_entry(*, at: datetime, account: str | None = None, name: str = "", email: str | None = None,
               method: str = "anonymous", fingerprint: str | None = None, ip: str | None = None, action: str,
               path: str = "", expertise: str | None = None, outcome: str = ALLOWED, reason: str = "",
               event: str | None = None, details: dict | None = None) -> dict:
    return {
        "at": utc_text(at),
        "account": account,
        "name": name or "",
        "email": email,
        "method": plain(method),
        "fingerprint": fingerprint,
        "ip": ip,
        "action": action,
        "path": path,
        "expertise": expertise,
        "outcome": outcome,
        "reason": str(reason or ""),
        "event": event,
        "details": plain(details or {}),
    }


def sealed_record(seq: int, prev: bytes, entry: dict) -> dict:
    """What a sealed entry's leaf hashes: its number, the leaf hash of the
    entry before it (the chain), and the entry."""
    return {"seq": seq, "prev": prev.hex(), "entry": entry}
