"""The rules on the storage area, without a server."""

from datetime import UTC, datetime, timedelta

import argon2
import pytest

# isort: split
from opalexe_auth_email_otp import state


class Area:
    """A stand-in for a PluginArea: named dicts."""

    def __init__(self):
        self.trees = {}

    def tree(self, name):
        return self.trees.setdefault(name, {})

    def peek(self, name):
        return self.trees.get(name, {})


T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_password_hashes_are_argon2id_with_rfc_9106_parameters():
    real = argon2.PasswordHasher()
    assert (real.time_cost, real.memory_cost, real.parallelism) == (3, 65536, 4)
    assert state.HASHER.hash("x").startswith("$argon2id$")


def test_a_password_is_checked_against_its_hash_only():
    area = Area()
    state.set_password(area, "a1", "correct horse battery")
    assert "correct horse battery" not in repr(area.trees)
    assert state.check_password(area, "a1", "correct horse battery")
    assert not state.check_password(area, "a1", "wrong")
    assert not state.check_password(area, "nobody", "correct horse battery")
    assert not state.check_password(area, None, "")


def test_generated_passwords_are_long_and_unambiguous():
    passwords = {state.generate_password() for _ in range(50)}
    assert len(passwords) == 50
    assert all(len(p) == 16 and not set(p) & set("0OoIl1") for p in passwords)


def test_a_code_is_stored_as_an_hmac_used_once_and_expires():
    area = Area()
    challenge, code = state.open_challenge(area, {"id": "a1", "email": "a@example.test"}, T0)
    record = area.tree("challenges")[challenge]
    assert code not in repr(record) and len(code) == 6 and code.isdigit()
    with pytest.raises(state.CodeRefused, match="malformed"):
        state.check_code(area, challenge, "12a456", T0)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    with pytest.raises(state.CodeRefused, match="wrong"):
        state.check_code(area, challenge, wrong, T0)
    with pytest.raises(state.CodeRefused, match="expired"):
        state.check_code(area, challenge, code, T0 + state.CODE_VALIDITY)
    assert state.check_code(area, challenge, code, T0 + timedelta(minutes=9))["account_id"] == "a1"
    state.use_challenge(area, challenge, T0)
    with pytest.raises(state.CodeRefused, match="used"):
        state.check_code(area, challenge, code, T0)


def test_a_challenge_is_burnt_after_its_tries():
    area = Area()
    challenge, code = state.open_challenge(area, {"id": "a1", "email": "a@example.test"}, T0)
    lefts = [state.count_wrong_code(area, challenge) for _ in range(state.CODE_TRIES)]
    assert lefts == [4, 3, 2, 1, 0]
    with pytest.raises(state.CodeRefused, match="gone"):
        state.check_code(area, challenge, code, T0)
    assert state.live_challenge(area, challenge, T0) is None


def test_failures_lock_past_the_threshold_and_old_ones_are_forgotten():
    area = Area()
    for minute in range(state.ACCOUNT_THRESHOLD - 1):
        assert state.record_failure(area, "a1", "10.0.0.1", T0 + timedelta(minutes=minute)) is None
    # the first failure leaves the window: still no lock
    later = T0 + state.WINDOW + timedelta(seconds=30)
    assert state.record_failure(area, "a1", "10.0.0.1", later) is None
    lock = state.record_failure(area, "a1", "10.0.0.1", later)
    assert lock == state.Lock(later + state.LOCK, by_address=False)
    assert state.lock_of(area, "a1", None, later + timedelta(minutes=1)) == lock
    assert state.lock_of(area, "a1", None, later + state.LOCK) is None


def test_resend_waits_a_minute_and_stops_after_five_codes():
    area = Area()
    challenge, _code = state.open_challenge(area, {"id": "a1", "email": "a@example.test"}, T0)
    with pytest.raises(state.SendRefused) as refused:
        state.resend_code(area, challenge, T0 + timedelta(seconds=20))
    assert refused.value.reason == "interval" and refused.value.wait == timedelta(seconds=40)
    moment = T0
    for _ in range(state.SENDS_PER_CHALLENGE - 1):
        moment += state.RESEND_INTERVAL
        state.resend_code(area, challenge, moment)
    with pytest.raises(state.SendRefused, match="challenge"):
        state.resend_code(area, challenge, moment + state.RESEND_INTERVAL)


def test_reset_tokens_are_stored_hashed_used_once_and_limited():
    area = Area()
    state.set_password(area, "a1", "old password")
    token = state.open_reset(area, "a1", T0)
    assert token not in repr(area.trees)
    assert state.valid_reset(area, token, T0)["account_id"] == "a1"
    assert state.valid_reset(area, token, T0 + state.RESET_VALIDITY) is None
    assert state.valid_reset(area, token + "x", T0) is None
    other = state.open_reset(area, "a1", T0)
    state.use_reset(area, token, "new password!", T0)
    assert state.valid_reset(area, token, T0) is None and state.valid_reset(area, other, T0) is None
    assert state.check_password(area, "a1", "new password!")
    assert state.open_reset(area, "a1", T0) is not None  # the third of the hour
    assert state.open_reset(area, "a1", T0) is None
