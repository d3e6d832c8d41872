"""The security policy: the logged-in account and its role in the current
expertise become principals; ACLs decide.

Principals: ``account:<id>``, ``profile:<profile>``, ``group:admin`` for
platform administrators, and inside an expertise where the account is an
active participant ``expertise:<role>`` (plus
``expertise:<role>:party:<party id>`` for a role acting for a party).

The :class:`Authorizer` holds the rights matrix (with the plugins'
amendments) and computes every folder's ACL from it: no resource reads
Pyramid's registry, so the pages, the services and a script run from
``opalexe shell`` obey the same matrix. The services ask it too, whatever
the view asked before them.
"""

from __future__ import annotations

from datetime import UTC, datetime

from pyramid.authorization import ALL_PERMISSIONS, ACLAllowed, ACLDenied, Authenticated, Everyone
from pyramid.location import lineage

from .contract import PARTY_ROLES
from .resources.accounts import ADMIN_PRINCIPAL
from .resources.expertise import Folder, find_expertise
from .resources.root import RootMissing
from .rights import RightsMatrix, party_role_principal, role_principal

SESSION_KEY = "opalexe.account_id"
LOGIN_KEY = "opalexe.login_id"


def principals_for(account, context) -> list[str]:
    principals = [Everyone]
    if account is None or not account.active:
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


class Authorizer:
    """Who may do what where: resources' ACLs, and the rights matrix for folders."""

    def __init__(self, matrix: RightsMatrix):
        self.matrix = matrix

    def acl(self, node) -> list:
        """The ACL of ``node``: a folder's comes from the matrix (read rights
        only once its case takes no more deposits), any other's is its own."""
        if isinstance(node, Folder):
            expertise = node.expertise
            deposits_open = expertise is None or expertise.takes_deposits
            return self.matrix.acl(node.kind, node.party_id, deposits_open=deposits_open)
        acl = getattr(node, "__acl__", ())
        return acl() if callable(acl) else acl

    def permits_principals(self, principals, context, permission):
        """Pyramid's ACL walk (:class:`pyramid.authorization.ACLHelper`), with
        :meth:`acl` in place of ``__acl__``: the first matching entry along
        the lineage decides; no entry denies."""
        for location in lineage(context):
            for action, principal, permissions in self.acl(location):
                if principal not in principals:
                    continue
                if permissions is ALL_PERMISSIONS or permission == permissions or (
                    not isinstance(permissions, str) and permission in permissions
                ):
                    allowed = action == "Allow"
                    result = ACLAllowed if allowed else ACLDenied
                    return result((action, principal, permissions), self.acl(location), permission, principals,
                                  location)
        return ACLDenied("<default deny>", "<No ACL found on any object in resource lineage>", permission,
                         principals, context)

    def permits(self, account, context, permission):
        return self.permits_principals(principals_for(account, context), context, permission)


class SecurityPolicy:
    """Session-backed identity, :class:`Authorizer`-backed permissions.

    The login service opens a login on the account; the core's login view
    then calls ``remember`` with its id: the session (a signed cookie) gets
    the account id and that login id, valid only while the account holds it
    open (logout closes it,
    :data:`~opalexe_core.resources.accounts.LOGIN_LIFETIME` ends it, and so
    does disabling the account)."""

    def __init__(self, authorizer: Authorizer):
        self.authorizer = authorizer

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
        now = getattr(request.registry, "opalexe_clock", None)
        if account is None or not account.login_is_open(login_id, now() if now else datetime.now(UTC)):
            return None
        return account

    def authenticated_userid(self, request):
        account = request.identity
        return account.id if account is not None else None

    def permits(self, request, context, permission):
        return self.authorizer.permits(request.identity, context, permission)

    def remember(self, request, userid, login_id=None, **kw):
        """A new session for the login ``login_id`` that the login service
        opened on ``userid``: the previous session's content is dropped and a
        new CSRF token made (no session fixation)."""
        if login_id is None:
            raise ValueError("remember() needs the login_id the login service opened")
        request.session.invalidate()
        request.session[SESSION_KEY] = userid
        request.session[LOGIN_KEY] = login_id
        request.session.new_csrf_token()
        return []

    def forget(self, request, **kw):
        request.session.invalidate()
        return []


def current_login(request) -> tuple[str | None, str | None]:
    """(account id, login id) the session carries, whether still open or not."""
    return request.session.get(SESSION_KEY), request.session.get(LOGIN_KEY)
