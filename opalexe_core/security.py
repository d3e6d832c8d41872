"""The security policy: the logged-in account and its role in the current
expertise become principals; resources' ``__acl__`` decide.

Principals: ``account:<id>``, ``profile:<profile>``, ``group:admin`` for
platform administrators, and inside an expertise where the account is an
active participant ``expertise:<role>`` (plus
``expertise:<role>:party:<party id>`` for a role acting for a party).
"""

from __future__ import annotations

from datetime import UTC, datetime

from pyramid.authorization import ACLHelper, Authenticated, Everyone

from .contract import PARTY_ROLES
from .resources.accounts import ADMIN_PRINCIPAL
from .resources.expertise import find_expertise
from .resources.root import RootMissing
from .rights import party_role_principal, role_principal

SESSION_KEY = "opalexe.account_id"
LOGIN_KEY = "opalexe.login_id"


def principals_for(account, context) -> list[str]:
    principals = [Everyone]
    if account is None:
        return principals
    principals += [Authenticated, f"account:{account.id}", f"profile:{account.profile}"]
    if account.is_admin:
        principals.append(ADMIN_PRINCIPAL)
    expertise = find_expertise(context)
    participant = expertise.active_participant(account.id) if expertise is not None else None
    if participant is not None:
        principals.append(role_principal(participant.role))
        if participant.role in PARTY_ROLES and participant.party_id:
            principals.append(party_role_principal(participant.role, participant.party_id))
    return principals


class SecurityPolicy:
    """Session-backed identity, ACL-backed permissions.

    A login journey calls ``remember``: the session (a signed cookie) gets
    the account id and the id of a login opened on the account; the login
    stays valid only while the account holds it open (logout closes it,
    :data:`~opalexe_core.resources.accounts.LOGIN_LIFETIME` ends it)."""

    def __init__(self):
        self.helper = ACLHelper()

    def identity(self, request):
        account_id = request.session.get(SESSION_KEY)
        login_id = request.session.get(LOGIN_KEY)
        if not account_id or not login_id:
            return None
        try:
            accounts = request.opalexe_root.accounts
        except RootMissing:  # an empty database: nobody is logged in
            return None
        account = accounts.get(account_id)
        if account is None or not account.login_is_open(login_id, datetime.now(UTC)):
            return None
        return account

    def authenticated_userid(self, request):
        account = request.identity
        return account.id if account is not None else None

    def permits(self, request, context, permission):
        principals = principals_for(request.identity, context)
        return self.helper.permits(context, principals, permission)

    def remember(self, request, userid, **kw):
        account = request.opalexe_root.accounts[userid]
        self._close_current_login(request)  # a new login replaces the browser's previous one
        # A new session at login defeats session fixation.
        request.session.invalidate()
        request.session[SESSION_KEY] = userid
        request.session[LOGIN_KEY] = account.open_login(datetime.now(UTC))
        request.session.new_csrf_token()
        return []

    def forget(self, request, **kw):
        self._close_current_login(request)
        request.session.invalidate()
        return []

    def _close_current_login(self, request) -> None:
        account = self.identity(request)
        if account is not None:
            account.close_login(request.session[LOGIN_KEY])

