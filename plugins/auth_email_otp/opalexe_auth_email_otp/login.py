"""The login's steps on the storage area: the password, then the code.

What a success consumes (the code) is written in the request's transaction
(``services.area``): if the login fails later, the code stays unused. What
must outlive a refusal (a failure counted, a code's wrong try) is written in
a transaction of its own (``services.change``): the refused request is
rolled back, the count is not.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from opalexe_core.api import AccountFacts, AuthenticationError

from . import CHALLENGE_KEY, PLUGIN, _, state

PARIS = ZoneInfo("Europe/Paris")

WRONG_PASSWORD = _("Adresse électronique ou mot de passe incorrect.")
LOGIN_LOST = _("Cette connexion a expiré : saisissez de nouveau votre adresse et votre mot de passe.")
CODE_MESSAGES = {
    "gone": LOGIN_LOST,
    "used": _("Ce code a déjà servi : saisissez de nouveau votre mot de passe pour en recevoir un autre."),
    "expired": _("Ce code a expiré : il était valable 10 minutes. Cliquez sur « Renvoyer le code »."),
    "malformed": _("Le code est fait de 6 chiffres : recopiez-le depuis le courriel reçu."),
}


class LoginRefused(Exception):
    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


def local_time(moment: datetime) -> str:
    return moment.astimezone(PARIS).strftime("%H:%M")


def lock_message(lock: state.Lock):
    if lock.by_address:
        return _("Trop d'échecs depuis votre adresse réseau : les connexions en sont bloquées jusqu'à ${time}.",
                 mapping={"time": local_time(lock.until)})
    return _("Trop d'échecs : votre compte est bloqué jusqu'à ${time}. Réessayez ensuite, ou choisissez un "
             "nouveau mot de passe avec « Mot de passe oublié ? ».", mapping={"time": local_time(lock.until)})


def send_message(refused: state.SendRefused):
    if refused.reason == "interval":
        return _("Un code vient d'être envoyé : vous pourrez en demander un autre dans ${seconds} secondes.",
                 mapping={"seconds": max(int(refused.wait.total_seconds()) + 1, 1)})
    if refused.reason == "challenge":
        return _("Trop de codes envoyés pour cette connexion : saisissez de nouveau votre mot de passe.")
    if refused.reason == "hourly":
        return _("Trop de codes envoyés à votre adresse en une heure : réessayez après ${time}.",
                 mapping={"time": local_time(refused.until)})
    return LOGIN_LOST


def check_password(services, email: str, password: str, address: str | None):
    """A right password opens a challenge: returns the account, the
    challenge's id and the code to mail. :class:`LoginRefused` otherwise
    (a wrong password is counted, nothing else changes)."""
    moment = state.now()
    area = services.area(PLUGIN)
    account = services.find_account(email)
    account_id = account.id if account is not None else None
    lock = state.lock_of(area, account_id, address, moment)
    if lock is not None:
        raise LoginRefused(lock_message(lock))
    if not state.check_password(area, account_id, password):
        lock = services.change(PLUGIN, lambda a: state.record_failure(a, account_id, address, moment))
        raise LoginRefused(lock_message(lock) if lock else WRONG_PASSWORD)
    if not account.active:
        raise LoginRefused(_("Votre compte est désactivé : adressez-vous à l'expert qui vous a invité."))
    try:
        challenge_id, code = state.open_challenge(area, {"id": account.id, "email": account.email}, moment)
    except state.SendRefused as refused:
        raise LoginRefused(send_message(refused)) from None
    return account, challenge_id, code


def verify_code(services, challenge_id: str, code: str) -> AccountFacts:
    """The account whose current code ``code`` is: the challenge is spent
    (in the request's transaction). :class:`AuthenticationError` otherwise."""
    moment = state.now()
    request = services.request
    if not challenge_id or challenge_id != request.session.get(CHALLENGE_KEY):
        raise AuthenticationError(LOGIN_LOST)
    area = services.area(PLUGIN)
    record = area.tree("challenges").get(challenge_id)
    if record is None:
        raise AuthenticationError(LOGIN_LOST)
    account_id, address = record["account_id"], request.client_addr
    lock = state.lock_of(area, account_id, address, moment)
    if lock is not None:
        raise AuthenticationError(lock_message(lock))
    try:
        state.check_code(area, challenge_id, code, moment)
    except state.CodeRefused as refused:
        if refused.reason != "wrong":
            raise AuthenticationError(CODE_MESSAGES[refused.reason]) from None

        def count(a):
            return state.count_wrong_code(a, challenge_id), state.record_failure(a, account_id, address, moment)

        left, lock = services.change(PLUGIN, count)
        if lock is not None:
            message = lock_message(lock)
        elif left == 0:
            message = _("Code incorrect, et c'était le dernier essai : saisissez de nouveau votre mot de passe.")
        else:
            message = _("Code incorrect : il vous reste ${count} essai(s) avec ce code.", mapping={"count": left})
        raise AuthenticationError(message) from None
    account = services.account(account_id)
    if account is None:
        raise AuthenticationError(LOGIN_LOST)
    state.use_challenge(area, challenge_id, moment)
    state.clear_failures(area, account_id)
    return account
