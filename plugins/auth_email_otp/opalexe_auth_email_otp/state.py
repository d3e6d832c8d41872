"""What the e-mail login keeps, in its storage area (``PluginArea`` trees of
plain data), and the rules on it: passwords, one-time codes, failed
attempts and locks, password-reset links, invitations already mailed.

Trees (each value is a plain dict, tuple or string, assigned anew when it
changes):

``passwords``  account id → argon2id hash of the password (argon2-cffi).
``challenges`` challenge id → a login waiting for its code: the account,
               the code's salt and HMAC, when it expires, the sends, the
               wrong tries, when it was used.
``failures``   ``account:<id>`` or ``address:<ip>`` → the recent failures
               and the end of the lock, if locked.
``code_sends`` account id → when codes were mailed lately (rate limit).
``resets``     SHA-256 of a reset token → its account, expiry, use.
``invitations`` event id → which mails of an invitation went out.

A 6-digit code has 20 bits: no hash makes it resist an offline search, so
its protection is its 10 minutes, its single use and the counted tries; it
is stored as an HMAC under a random salt of its login so that it never
appears in clear in the database or a backup, and compared in constant
time (``hmac.compare_digest``). Passwords are argon2id hashes; reset tokens
are 256 random bits, stored as their SHA-256.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import string
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import argon2

#: Code: 6 digits, valid 10 minutes (release notes of 29 May 2024, 2.3.1).
CODE_DIGITS = 6
CODE_VALIDITY = timedelta(minutes=10)
#: A login waiting for its code is forgotten after this, used or not.
CHALLENGE_LIFETIME = timedelta(minutes=30)
#: Wrong codes one login may take before it is burnt (the password again).
CODE_TRIES = 5
#: « Renvoyer le code »: at most once a minute, 5 codes per login and 10
#: code mails per account and hour.
RESEND_INTERVAL = timedelta(seconds=60)
SENDS_PER_CHALLENGE = 5
SENDS_PER_HOUR = 10
#: Failed passwords and codes within WINDOW: past the threshold the account
#: (or the address) is locked for LOCK.
WINDOW = timedelta(minutes=15)
ACCOUNT_THRESHOLD = 5
ADDRESS_THRESHOLD = 20
LOCK = timedelta(minutes=15)
#: Password reset links: valid one hour, once; 3 mails per account and hour.
RESET_VALIDITY = timedelta(hours=1)
RESETS_PER_HOUR = 3
#: Passwords chosen by people; generated ones are longer.
MIN_PASSWORD_LENGTH = 12
GENERATED_PASSWORD_LENGTH = 16
_ALPHABET = "".join(c for c in string.ascii_letters + string.digits if c not in "0OoIl1")

HASHER = argon2.PasswordHasher()  # argon2id, RFC 9106's second recommended parameters
#: Verified against when the address has no password, so that an unknown
#: address takes as long as a wrong password.
_DUMMY_HASH = HASHER.hash(secrets.token_hex(16))


def now() -> datetime:
    """The plugin's clock (tests move it)."""
    return datetime.now(UTC)


# -- passwords ---------------------------------------------------------------------------


def generate_password() -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(GENERATED_PASSWORD_LENGTH))


def set_password(area, account_id: str, password: str) -> None:
    area.tree("passwords")[account_id] = HASHER.hash(password)


def has_password(area, account_id: str) -> bool:
    return account_id in area.peek("passwords")


def check_password(area, account_id: str | None, password: str) -> bool:
    """Whether ``password`` is the account's; always takes one argon2 verification."""
    stored = area.peek("passwords").get(account_id) if account_id else None
    try:
        HASHER.verify(stored or _DUMMY_HASH, password)
    except (argon2.exceptions.VerificationError, argon2.exceptions.InvalidHashError):
        return False
    if stored is None:
        return False
    if HASHER.check_needs_rehash(stored):
        area.tree("passwords")[account_id] = HASHER.hash(password)
    return True


# -- failures and locks -------------------------------------------------------------------


@dataclass(frozen=True)
class Lock:
    until: datetime
    by_address: bool = False


def _key(kind: str, value: str) -> str:
    return f"{kind}:{value}"


def lock_of(area, account_id: str | None, address: str | None, moment: datetime) -> Lock | None:
    """The lock in force on the account or on the address, if any."""
    failures = area.peek("failures")
    for kind, value in (("account", account_id), ("address", address)):
        if not value:
            continue
        entry = failures.get(_key(kind, value))
        if entry and entry.get("locked_until") and entry["locked_until"] > moment:
            return Lock(entry["locked_until"], kind == "address")
    return None


def record_failure(area, account_id: str | None, address: str | None, moment: datetime) -> Lock | None:
    """Count one failed password or code; returns the lock it sets off, if any."""
    failures = area.tree("failures")
    lock = None
    for kind, value, threshold in (("account", account_id, ACCOUNT_THRESHOLD),
                                   ("address", address, ADDRESS_THRESHOLD)):
        if not value:
            continue
        key = _key(kind, value)
        entry = dict(failures.get(key) or {})
        recent = tuple(at for at in entry.get("at", ()) if moment - at < WINDOW) + (moment,)
        entry["at"] = recent
        if len(recent) >= threshold:
            entry["locked_until"] = moment + LOCK
            entry["at"] = ()
            lock = lock or Lock(entry["locked_until"], kind == "address")
        failures[key] = entry
    return lock


def clear_failures(area, account_id: str) -> None:
    area.tree("failures").pop(_key("account", account_id), None)


def failure_count(area, account_id: str, moment: datetime) -> int:
    entry = area.peek("failures").get(_key("account", account_id)) or {}
    return len([at for at in entry.get("at", ()) if moment - at < WINDOW])


# -- codes ------------------------------------------------------------------------------------


def _code_mac(salt: bytes, code: str) -> bytes:
    return hmac.new(salt, code.encode("ascii"), hashlib.sha256).digest()


def _new_code() -> str:
    return f"{secrets.randbelow(10 ** CODE_DIGITS):0{CODE_DIGITS}d}"


class SendRefused(Exception):
    """A code may not be mailed now; ``reason`` says which limit, ``wait`` how long."""

    def __init__(self, reason: str, wait: timedelta | None = None, until: datetime | None = None):
        super().__init__(reason)
        self.reason = reason
        self.wait = wait
        self.until = until


def _check_hourly(area, account_id: str, moment: datetime) -> tuple[datetime, ...]:
    sends = tuple(at for at in area.peek("code_sends").get(account_id, ()) if moment - at < timedelta(hours=1))
    if len(sends) >= SENDS_PER_HOUR:
        raise SendRefused("hourly", until=sends[0] + timedelta(hours=1))
    return sends


def open_challenge(area, account: dict, moment: datetime) -> tuple[str, str]:
    """A login waiting for its code, after a right password: returns its
    id and the code to mail (kept only as an HMAC)."""
    sends = _check_hourly(area, account["id"], moment)
    challenge_id = secrets.token_urlsafe(24)
    code = _new_code()
    salt = secrets.token_bytes(32)
    area.tree("challenges")[challenge_id] = {
        "account_id": account["id"], "email": account["email"], "salt": salt, "mac": _code_mac(salt, code),
        "opened_at": moment, "expires_at": moment + CODE_VALIDITY, "sends": (moment,), "tries": 0,
        "used_at": None,
    }
    area.tree("code_sends")[account["id"]] = (*sends, moment)
    _forget_old_challenges(area, moment)
    return challenge_id, code


def live_challenge(area, challenge_id: str | None, moment: datetime) -> dict | None:
    """The challenge if it may still take a code (or a « Renvoyer le code »)."""
    record = area.peek("challenges").get(challenge_id) if challenge_id else None
    if record is None or record["used_at"] is not None or record["tries"] >= CODE_TRIES:
        return None
    if moment - record["opened_at"] >= CHALLENGE_LIFETIME:
        return None
    return record


def resend_code(area, challenge_id: str, moment: datetime) -> str:
    """A new code for the challenge (the previous one stops working); raises
    :class:`SendRefused` past the limits."""
    record = live_challenge(area, challenge_id, moment)
    if record is None:
        raise SendRefused("gone")
    elapsed = moment - record["sends"][-1]
    if elapsed < RESEND_INTERVAL:
        raise SendRefused("interval", wait=RESEND_INTERVAL - elapsed)
    if len(record["sends"]) >= SENDS_PER_CHALLENGE:
        raise SendRefused("challenge")
    sends = _check_hourly(area, record["account_id"], moment)
    code = _new_code()
    salt = secrets.token_bytes(32)
    area.tree("challenges")[challenge_id] = {**record, "salt": salt, "mac": _code_mac(salt, code),
                                             "expires_at": moment + CODE_VALIDITY,
                                             "sends": (*record["sends"], moment)}
    area.tree("code_sends")[record["account_id"]] = (*sends, moment)
    return code


class CodeRefused(Exception):
    """``reason``: ``gone`` (no such login, or burnt), ``used``, ``expired``,
    ``malformed``, ``wrong``."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def check_code(area, challenge_id: str, code: str, moment: datetime) -> dict:
    """The challenge's record if ``code`` is its current code and may be
    used now; raises :class:`CodeRefused` (and changes nothing) otherwise."""
    record = area.peek("challenges").get(challenge_id) if challenge_id else None
    if record is None:
        raise CodeRefused("gone")
    if record["used_at"] is not None:
        raise CodeRefused("used")
    if record["tries"] >= CODE_TRIES or moment - record["opened_at"] >= CHALLENGE_LIFETIME:
        raise CodeRefused("gone")
    code = (code or "").strip().replace(" ", "")
    if len(code) != CODE_DIGITS or not code.isdigit():
        raise CodeRefused("malformed")
    if moment >= record["expires_at"]:
        raise CodeRefused("expired")
    if not hmac.compare_digest(_code_mac(record["salt"], code), record["mac"]):
        raise CodeRefused("wrong")
    return record


def count_wrong_code(area, challenge_id: str) -> int:
    """One more wrong code on the challenge; returns the tries left."""
    challenges = area.tree("challenges")
    record = challenges.get(challenge_id)
    if record is None:
        return 0
    tries = record["tries"] + 1
    challenges[challenge_id] = {**record, "tries": tries}
    return max(CODE_TRIES - tries, 0)


def use_challenge(area, challenge_id: str, moment: datetime) -> None:
    challenges = area.tree("challenges")
    challenges[challenge_id] = {**challenges[challenge_id], "used_at": moment}


def _forget_old_challenges(area, moment: datetime) -> None:
    challenges = area.tree("challenges")
    for key, record in list(challenges.items()):
        if moment - record["opened_at"] >= CHALLENGE_LIFETIME * 4:
            del challenges[key]


# -- password reset links --------------------------------------------------------------------


def _token_key(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def open_reset(area, account_id: str, moment: datetime) -> str | None:
    """A reset token for the account, or ``None`` past the hourly limit."""
    resets = area.peek("resets")
    recent = [r for r in resets.values()
              if r["account_id"] == account_id and moment - r["opened_at"] < timedelta(hours=1)]
    if len(recent) >= RESETS_PER_HOUR:
        return None
    resets = area.tree("resets")
    for key, record in list(resets.items()):
        if moment - record["opened_at"] >= timedelta(days=2):
            del resets[key]
    token = secrets.token_urlsafe(32)
    resets[_token_key(token)] = {"account_id": account_id, "opened_at": moment,
                                 "expires_at": moment + RESET_VALIDITY, "used_at": None}
    return token


def valid_reset(area, token: str | None, moment: datetime) -> dict | None:
    """The reset's record if ``token`` may still be used."""
    if not token or len(token) > 200:
        return None
    record = area.peek("resets").get(_token_key(token))
    if record is None or record["used_at"] is not None or moment >= record["expires_at"]:
        return None
    return record


def use_reset(area, token: str, password: str, moment: datetime) -> str:
    """Set the new password, spend the token and every other of its account;
    returns the account id. The token must be valid (:func:`valid_reset`)."""
    resets = area.tree("resets")
    record = resets[_token_key(token)]
    for key, other in list(resets.items()):
        if other["account_id"] == record["account_id"] and other["used_at"] is None:
            resets[key] = {**other, "used_at": moment}
    set_password(area, record["account_id"], password)
    return record["account_id"]


# -- invitations already mailed (the event hook is called at least once) ----------------------


def invitation_state(area, event_id: str) -> dict:
    return dict(area.peek("invitations").get(event_id) or {})


def set_invitation_state(area, event_id: str, moment: datetime, **changes) -> None:
    tree = area.tree("invitations")
    tree[event_id] = {**(tree.get(event_id) or {"at": moment}), **changes}
    for key, record in list(tree.items()):
        if moment - record["at"] >= timedelta(days=90):
            del tree[key]
