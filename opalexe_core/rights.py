"""The rights matrix: folder kind × role → none / read / deposit.

The matrix is data (:data:`DEFAULT_MATRIX`), amended once at start-up by the
``opalexe_rights_matrix_amend`` hook. The security policy holds it and turns
it into each folder's ACL (:meth:`RightsMatrix.acl`), so that every URL, and
every service, obeys it. A role that acts for a party (avocat,
intervenant) may deposit in the folder of its own party only; in other
parties' folders its deposit right reads as a read right.
"""

from __future__ import annotations

from types import MappingProxyType

from pyramid.authorization import DENY_ALL, Allow

from .contract import PARTY_ROLES, FolderKind, Right, RightAmendment, Role

K = FolderKind
FOLDER_KINDS = tuple(FolderKind)

N, R, D = Right.NONE, Right.READ, Right.DEPOSIT
_ROLES = tuple(Role)

# Columns follow _ROLES: expert, co-expert, sapiteur, magistrat, greffier,
# avocat, intervenant, médiateur.
_TABLE = {
    K.EXPERT_GREFFE_PARTIES: (D, D, R, R, R, R, R, R),
    K.GREFFE_EXPERT_PARTIES: (R, R, R, D, D, R, R, R),
    K.MAGISTRAT_EXPERT: (D, R, N, D, D, N, N, N),
    K.PARTIE: (R, R, R, R, R, D, D, R),
    K.NOTES_EXPERT: (D, D, R, R, R, R, R, R),
    K.CONVOCATIONS: (D, D, R, R, R, R, R, R),
    K.GREFFE: (R, R, N, R, R, R, R, R),
    K.RAPPORT_DEFINITIF: (D, D, N, R, R, R, R, R),
}

DEFAULT_MATRIX = MappingProxyType(
    {(kind, role): right for kind, row in _TABLE.items() for role, right in zip(_ROLES, row, strict=True)}
)


def role_principal(role: Role) -> str:
    return f"expertise:{role.value}"


def party_role_principal(role: Role, party_id: str) -> str:
    return f"expertise:{role.value}:party:{party_id}"


class RightsMatrix:
    """An immutable matrix; :meth:`amended` returns a new one."""

    roles = _ROLES

    def __init__(self, cells=DEFAULT_MATRIX):
        self._cells = MappingProxyType(dict(cells))

    def right(self, folder_kind: str, role: Role) -> Right:
        return self._cells.get((folder_kind, Role(role)), Right.NONE)

    def kinds(self) -> tuple[str, ...]:
        extra = sorted({kind for kind, _ in self._cells} - set(FOLDER_KINDS))
        return FOLDER_KINDS + tuple(extra)

    def amended(self, amendments) -> RightsMatrix:
        cells = dict(self._cells)
        for amendment in amendments:
            if not isinstance(amendment, RightAmendment):
                raise TypeError(f"a rights amendment must be a RightAmendment, not {amendment!r}")
            cells[(amendment.folder_kind, Role(amendment.role))] = Right(amendment.right)
        return RightsMatrix(cells)

    def acl(self, folder_kind: str, party_id: str | None = None, *, deposits_open: bool = True) -> list:
        """The ``__acl__`` of a folder of this kind (of this party, if any);
        read rights only when ``deposits_open`` is false (a closed case)."""
        acl = []
        for role in self.roles:
            right = self.right(folder_kind, role)
            if right is Right.NONE:
                continue
            acl.append((Allow, role_principal(role), "view"))
            if right is Right.DEPOSIT and deposits_open:
                if role in PARTY_ROLES and party_id is not None:
                    acl.append((Allow, party_role_principal(role, party_id), "deposit"))
                elif role not in PARTY_ROLES:
                    acl.append((Allow, role_principal(role), "deposit"))
        acl.append(DENY_ALL)
        return acl


def build_rights_matrix(pm) -> RightsMatrix:
    """The core matrix with every plugin's amendments. Each plugin is shown
    the core matrix; amendments apply in the order plugins were registered,
    so on the same cell the plugin registered last wins (pluggy calls hook
    implementations last-registered first, hence the reversal)."""
    core = RightsMatrix()
    matrix = core
    for amendments in reversed(pm.hook.opalexe_rights_matrix_amend(matrix=core)):
        matrix = matrix.amended(amendments or ())
    return matrix
