"""The rights matrix: folder kind × role → none / read / deposit.

The matrix is data (:data:`DEFAULT_MATRIX`), amended once at start-up by the
``opalexe_rights_matrix_amend`` hook. The security policy holds it and turns
it into each folder's ACL (:meth:`RightsMatrix.acl`), so that every URL, and
every service, obeys it. A role that acts for a party (avocat,
intervenant) may deposit in the folder of its own party only; in other
parties' folders its deposit right reads as a read right.

Where each cell comes from. The convention's Annex 5 (« Matrice des droits
dans Opalexe ») is not among the project's sources, so every cell carries
its reason (:data:`REASONS`), shown to participants under the matrix:
the CA Angers minutes of 8 October 2020 and the clerk's letters annexed to
them (annexes 3 and 4: which channel is for what), the CNCEJ FAQ (the
report and convocations reach the party itself), the 2017 convention with
the ministry (the court consults the case file), the product specification
(who does what), and the code of civil procedure (art. 16, the
contradictoire: what one party deposits, every other party reads; art. 278,
the sapiteur's opinion is annexed to the report).

Departures from the first matrix of the foundation, and why: the expert
and co-expert deposit in «greffe→expert-parties» (the clerk's letter asks
the expert to use only that channel for its requests to the court), the
co-expert deposits in «magistrat→expert» (designated with the expert, it
shares its confidential exchanges with the judge), and the sapiteur
deposits in «Notes de l'expert» (it « deposits contributions », which the
expert annexes to its report).
"""

from __future__ import annotations

from types import MappingProxyType

from pyramid.authorization import DENY_ALL, Allow

from .contract import PARTY_ROLES, FolderKind, Right, RightAmendment, Role
from .i18n import _

K = FolderKind
FOLDER_KINDS = tuple(FolderKind)

N, R, D = Right.NONE, Right.READ, Right.DEPOSIT
_ROLES = tuple(Role)
(EXPERT, CO_EXPERT, SAPITEUR, MAGISTRAT, GREFFIER, AVOCAT, INTERVENANT, MEDIATEUR) = _ROLES
EXPERTS = (EXPERT, CO_EXPERT)
COURT = (MAGISTRAT, GREFFIER)
PARTIES = (AVOCAT, INTERVENANT)

# Reasons shared by several rows.
_MEDIATEUR_READS = _(
    "Le médiateur d'une décision mixte (expertise et médiation) lit sans déposer : le compte rendu de la "
    "CA d'Angers (2020) laisse la question de son accès aux organismes de médiation ; la lecture seule est le "
    "choix prudent."
)
_CONTRADICTOIRE = _(
    "Contradictoire (art. 16 du code de procédure civile) : ce qui est communiqué à l'un est lu par tous "
    "les participants de l'expertise."
)
_COURT_FOLLOWS = _(
    "La juridiction consulte le dossier de l'expertise qu'elle contrôle (convention Chancellerie-CNCEJ de "
    "2017, article V-B)."
)
_CO_EXPERT = _("Le co-expert, désigné avec l'expert, a les mêmes droits que lui sur l'expertise partagée.")

#: folder kind → [(roles, right, reason)]: every role once per row.
REASONED_TABLE = {
    K.EXPERT_GREFFE_PARTIES: [
        ((EXPERT,), D, _("L'expert y diffuse à tous la décision qui le désigne et ses communications (lettres du "
                         "greffe annexées au compte rendu de la CA d'Angers, 2020, annexes 3 et 4).")),
        ((CO_EXPERT,), D, _CO_EXPERT),
        ((SAPITEUR, *COURT, *PARTIES), R, _CONTRADICTOIRE),
        ((MEDIATEUR,), R, _MEDIATEUR_READS),
    ],
    K.GREFFE_EXPERT_PARTIES: [
        (COURT, D, _("Canal de la juridiction vers l'expert et les parties ; le greffier agit pour le magistrat "
                     "(« P/le magistrat », CA d'Angers, 2020, annexes 3 et 4).")),
        ((EXPERT,), D, _("Le greffe demande à l'expert de n'utiliser que ce canal pour déposer ses demandes à la "
                         "juridiction (CA d'Angers, 2020, annexes 3 et 4).")),
        ((CO_EXPERT,), D, _CO_EXPERT),
        ((SAPITEUR, *PARTIES), R, _CONTRADICTOIRE),
        ((MEDIATEUR,), R, _MEDIATEUR_READS),
    ],
    K.MAGISTRAT_EXPERT: [
        ((EXPERT,), D, _("Canal confidentiel, pour les demandes de l'expert au magistrat qui ne doivent pas être "
                         "lues par les parties (CA d'Angers, 2020, annexes 3 et 4).")),
        ((CO_EXPERT,), D, _CO_EXPERT),
        (COURT, D, _("Le magistrat chargé du contrôle, et le greffe qui agit pour lui, y répondent à l'expert.")),
        ((SAPITEUR,), N, _("Le sapiteur n'est pas désigné par la juridiction : les échanges confidentiels entre "
                           "l'expert et le magistrat ne lui sont pas destinés.")),
        (PARTIES, N, _("« Ne doit pas être lu par les parties » (CA d'Angers, 2020, annexes 3 et 4).")),
        ((MEDIATEUR,), N, _("Confidentiel entre l'expert et la juridiction : le médiateur ne le lit pas.")),
    ],
    K.PARTIE: [
        (PARTIES, D, _("L'avocat, et l'intervenant de la partie, déposent les pièces et les dires de leur partie, "
                       "dans le coffre de leur seule partie ; dans celui d'une autre partie ils lisent seulement "
                       "(contradictoire).")),
        (EXPERTS, R, _("L'expert reçoit les pièces et les dires des parties ; il ne dépose pas à leur place.")),
        ((SAPITEUR,), R, _("Le sapiteur a besoin des pièces pour donner son avis ; l'expert peut lui retirer "
                           "l'accès à un coffre.")),
        (COURT, R, _COURT_FOLLOWS),
        ((MEDIATEUR,), R, _MEDIATEUR_READS),
    ],
    K.NOTES_EXPERT: [
        ((EXPERT,), D, _("L'expert y dépose ses notes aux parties (spécification : notes, convocations, pré-rapport, "
                         "rapport).")),
        ((CO_EXPERT,), D, _CO_EXPERT),
        ((SAPITEUR,), D, _("Le sapiteur y dépose sa contribution, que l'expert joint à son rapport (art. 278 du code "
                           "de procédure civile) : les parties la lisent ainsi.")),
        ((*COURT, *PARTIES), R, _CONTRADICTOIRE),
        ((MEDIATEUR,), R, _MEDIATEUR_READS),
    ],
    K.CONVOCATIONS: [
        ((EXPERT,), D, _("L'expert convoque les parties aux réunions d'expertise.")),
        ((CO_EXPERT,), D, _CO_EXPERT),
        ((INTERVENANT,), R, _("Les convocations doivent atteindre la partie elle-même (FAQ du CNCEJ, code de "
                              "procédure civile) : la partie, intervenante, les lit.")),
        ((SAPITEUR, *COURT, AVOCAT), R, _CONTRADICTOIRE),
        ((MEDIATEUR,), R, _MEDIATEUR_READS),
    ],
    K.GREFFE: [
        ((*EXPERTS, *COURT, *PARTIES), R, _("Le coffre de la juridiction réunit le rapport définitif ; on n'y "
                                            "dépose rien directement.")),
        ((SAPITEUR,), N, _("La mission du sapiteur s'arrête à son avis : le rapport définitif est remis à la "
                           "juridiction et aux parties.")),
        ((MEDIATEUR,), R, _MEDIATEUR_READS),
    ],
    K.RAPPORT_DEFINITIF: [
        (EXPERTS, D, _("L'expert y dépose son rapport définitif, remis à la juridiction ; le co-expert signe avec "
                       "lui.")),
        (COURT, R, _("La juridiction reçoit le rapport définitif.")),
        (PARTIES, R, _("Le rapport est mis à disposition des parties sur la plateforme, via leurs avocats (CA "
                       "d'Angers, 2020), et doit atteindre la partie elle-même (FAQ du CNCEJ).")),
        ((SAPITEUR,), N, _("La mission du sapiteur s'arrête à son avis, que l'expert joint au rapport.")),
        ((MEDIATEUR,), R, _MEDIATEUR_READS),
    ],
}

DEFAULT_MATRIX = MappingProxyType(
    {(kind, role): right for kind, rows in REASONED_TABLE.items() for roles, right, _why in rows for role in roles}
)

#: (folder kind, role) → why the core's matrix says what it says (a French message id).
REASONS = MappingProxyType(
    {(kind, role): why for kind, rows in REASONED_TABLE.items() for roles, _right, why in rows for role in roles}
)


def role_principal(role: Role) -> str:
    return f"expertise:{role.value}"


def party_role_principal(role: Role, party_id: str) -> str:
    return f"expertise:{role.value}:party:{party_id}"


def member_principal(account_id: str) -> str:
    """An active participant of the current case, by account: what the
    expert's grants on a folder name."""
    return f"expertise:member:{account_id}"


class RightsMatrix:
    """An immutable matrix; :meth:`amended` returns a new one. ``sources``
    names, for each cell a plugin amended, the plugin."""

    roles = _ROLES

    def __init__(self, cells=DEFAULT_MATRIX, sources=None):
        self._cells = MappingProxyType(dict(cells))
        self.sources = MappingProxyType(dict(sources or {}))

    def right(self, folder_kind: str, role: Role) -> Right:
        return self._cells.get((folder_kind, Role(role)), Right.NONE)

    def kinds(self) -> tuple[str, ...]:
        extra = sorted({kind for kind, _ in self._cells} - set(FOLDER_KINDS))
        return FOLDER_KINDS + tuple(extra)

    def amended(self, amendments, source: str | None = None) -> RightsMatrix:
        cells = dict(self._cells)
        sources = dict(self.sources)
        for amendment in amendments:
            if not isinstance(amendment, RightAmendment):
                raise TypeError(f"a rights amendment must be a RightAmendment, not {amendment!r}")
            key = (amendment.folder_kind, Role(amendment.role))
            cells[key] = Right(amendment.right)
            if source is not None:
                sources[key] = source
        return RightsMatrix(cells, sources)

    def reason(self, folder_kind: str, role: Role):
        """Why the cell says what it says: the plugin that amended it (its
        name), or the core's reason; ``None`` for a cell nobody set."""
        role = Role(role)
        if (folder_kind, role) in self.sources:
            return self.sources[(folder_kind, role)]
        return REASONS.get((folder_kind, role))

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

    def right_of(self, folder_kind: str, role: Role, participant_party: str | None, folder_party: str | None) -> Right:
        """What one participant gets from the matrix in one folder: a role
        acting for a party deposits in its own party's folder only."""
        right = self.right(folder_kind, role)
        if right is Right.DEPOSIT and Role(role) in PARTY_ROLES and (
            folder_party is None or folder_party != participant_party
        ):
            return Right.READ
        return right


def build_rights_matrix(pm) -> RightsMatrix:
    """The core matrix with every plugin's amendments. Each plugin is shown
    the core matrix; amendments apply in the order plugins were registered,
    so on the same cell the plugin registered last wins."""
    core = RightsMatrix()
    matrix = core
    for impl in pm.hook.opalexe_rights_matrix_amend.get_hookimpls():
        arguments = {"matrix": core}
        amendments = impl.function(**{name: arguments[name] for name in impl.argnames})
        matrix = matrix.amended(amendments or (), source=impl.plugin_name)
    return matrix
