"""The security policy: the logged-in account and its role in the current
expertise become principals; ACLs decide.

Principals: ``account:<id>``, ``profile:<profile>``, ``group:admin`` for
platform administrators, ``court:<code>:<profile>`` for a magistrate or a
clerk attached to a court, and inside an expertise where the account is an
active participant ``expertise:<role>`` (plus
``expertise:<role>:party:<party id>`` for a role acting for a party) and
``expertise:member:<account id>``, which the expert's grants and
withdrawals on a folder name (an inactive participant holds none of these,
so its grants sleep with it).

The :class:`Authorizer` holds the rights matrix (with the plugins'
amendments) and computes every folder's ACL from it: no resource reads
Pyramid's registry, so the pages, the services and a script run from
``opalexe shell`` obey the same matrix. The services ask it too, whatever
the view asked before them.
"""

from __future__ import annotations

from datetime import UTC, datetime

from pyramid.authorization import ALL_PERMISSIONS, ACLAllowed, ACLDenied, Allow, Authenticated, Deny, Everyone
from pyramid.location import lineage

from .contract import PARTY_ROLES, Profile, Right
from .permissions import DEPOSIT, VIEW
from .resources.accounts import ADMIN_PRINCIPAL
from .resources.expertise import Folder, find_expertise
from .resources.root import RootMissing
from .resources.saisine import court_principal
from .rights import RightsMatrix, member_principal, party_role_principal, role_principal

#: Profiles whose account may be attached to a court.
COURT_PROFILES = (Profile.MAGISTRAT, Profile.GREFFIER)

SESSION_KEY = "opalexe.account_id"
LOGIN_KEY = "opalexe.login_id"


def principals_for(account, context) -> list[str]:
    principals = [Everyone]
    if account is None or not account.active:
        return principals
    principals += [Authenticated, f"account:{account.id}", f"profile:{account.profile}"]
    if account.is_admin:
        principals.append(ADMIN_PRINCIPAL)
    if account.court_code and account.profile in COURT_PROFILES:
        principals.append(court_principal(account.court_code, account.profile))
    expertise = find_expertise(context)
    participant = expertise.active_participant(account.id) if expertise is not None else None
    if participant is not None:
        principals += [role_principal(participant.role), member_principal(account.id)]
        if participant.role in PARTY_ROLES and participant.party_id:
            principals.append(party_role_principal(participant.role, participant.party_id))
    return principals


def grant_entries(folder: Folder, deposits_open: bool = True) -> list:
    """The entries the expert's exceptions put before the matrix's in a
    folder's ACL: ACL entries decide in order, so each exception wins over
    what the participant's role gets. A withdrawal denies everything; a
    read grant allows reading and denies depositing (even where the role
    deposits); a deposit grant allows both while the case takes deposits."""
    entries = []
    for account_id, right in (folder.grants or {}).items():
        principal = member_principal(account_id)
        right = Right(right)
        if right is Right.NONE:
            entries.append((Deny, principal, ALL_PERMISSIONS))
        elif right is Right.DEPOSIT and deposits_open:
            entries.append((Allow, principal, (VIEW, DEPOSIT)))
        else:
            entries += [(Allow, principal, VIEW), (Deny, principal, DEPOSIT)]
    return entries


class Authorizer:
    """Who may do what where: resources' ACLs, and the rights matrix for folders."""

    def __init__(self, matrix: RightsMatrix):
        self.matrix = matrix

    def acl(self, node) -> list:
        """The ACL of ``node``: a folder's comes from the matrix (read rights
        only once its case takes no more deposits), after the expert's
        exceptions for single participants (:func:`grant_entries`); any
        other's is its own."""
        if isinstance(node, Folder):
            expertise = node.expertise
            deposits_open = expertise is None or expertise.takes_deposits
            return grant_entries(node, deposits_open) + self.matrix.acl(node.kind, node.party_id,
                                                                        deposits_open=deposits_open)
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
