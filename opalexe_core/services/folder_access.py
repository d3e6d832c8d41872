"""The expert's exceptions to the rights matrix: one participant, one folder.

The expert is responsible for the rights it grants (SPEC, "Folders,
channels and rights"): it may open a folder to a participant the matrix
keeps out (the sapiteur in a party's folder it was withdrawn from, a
lawyer's client in «Rapport définitif»…) or close one the matrix opens.
Each exception lives on its folder (``Folder.grants``) and enters the
folder's ACL before the matrix's entries
(:func:`opalexe_core.security.grant_entries`), so every URL obeys it; an
exception equal to what the matrix gives is forgotten, so the folder
follows the matrix again.
"""

from __future__ import annotations

from ..contract import FolderAccessGranted, FolderAccessWithdrawn, Right, Role
from ..i18n import _
from ..permissions import MANAGE
from ..resources.expertise import Folder
from .expertises import ExpertiseError, require_open
from .platform import Actor, Platform


def matrix_right(platform: Platform, folder: Folder, participant) -> Right:
    """What the matrix alone gives ``participant`` in ``folder``."""
    return platform.authorizer.matrix.right_of(folder.kind, participant.role, participant.party_id,
                                               folder.party_id)


def effective_right(platform: Platform, folder: Folder, participant) -> Right:
    """What ``participant`` holds in ``folder``: its exception, or the matrix."""
    return folder.grant_of(participant.account_id) or matrix_right(platform, folder, participant)


def _target(platform: Platform, actor: Actor, folder: Folder, account_id: str):
    expertise = folder.expertise
    platform.require(actor, MANAGE, expertise, _("Seuls l'expert et les co-experts accordent des droits."))
    require_open(expertise)
    participant = expertise.participants.get(account_id) if account_id else None
    if participant is None:
        raise ExpertiseError(_("Ce compte ne participe pas à l'expertise."), "account_id")
    return expertise, participant


def _record(platform: Platform, folder: Folder, participant, right: Right) -> None:
    if right == matrix_right(platform, folder, participant):
        folder.set_grant(participant.account_id, None)
    else:
        folder.set_grant(participant.account_id, right)


def _name(platform: Platform, account_id: str) -> str:
    account = platform.root.accounts.get(account_id)
    return account.display_name if account is not None else account_id


def grant_folder_access(platform: Platform, actor: Actor, folder: Folder, account_id: str,
                        right: Right | str) -> None:
    """Give one participant read (``read``) or read and deposit
    (``deposit``) rights in ``folder``, whatever its role gets."""
    expertise, participant = _target(platform, actor, folder, account_id)
    try:
        right = Right(right)
    except ValueError:
        right = None
    if right not in (Right.READ, Right.DEPOSIT):
        raise ExpertiseError(_("Choisissez le droit accordé : lecture, ou lecture et dépôt."), "right")
    if right is Right.DEPOSIT and participant.role is Role.MEDIATEUR:
        raise ExpertiseError(_("Le médiateur lit sans déposer : son accès reste en lecture."), "right")
    if effective_right(platform, folder, participant) == right:
        raise ExpertiseError(_("${name} a déjà ce droit sur ce coffre.",
                               mapping={"name": _name(platform, account_id)}), "account_id")
    _record(platform, folder, participant, right)
    platform.event(FolderAccessGranted, actor, folder, expertise_id=expertise.id, folder_path=folder.path,
                   account_id=account_id, right=right)


def withdraw_folder_access(platform: Platform, actor: Actor, folder: Folder, account_id: str) -> None:
    """Close ``folder`` to one participant, whatever its role gets. The
    expert itself keeps every folder of its case."""
    expertise, participant = _target(platform, actor, folder, account_id)
    if participant.role is Role.EXPERT:
        raise ExpertiseError(_("L'expert garde l'accès à tous les coffres de son expertise."), "account_id")
    if effective_right(platform, folder, participant) is Right.NONE:
        raise ExpertiseError(_("${name} n'a déjà pas accès à ce coffre.",
                               mapping={"name": _name(platform, account_id)}), "account_id")
    _record(platform, folder, participant, Right.NONE)
    platform.event(FolderAccessWithdrawn, actor, folder, expertise_id=expertise.id, folder_path=folder.path,
                   account_id=account_id)
