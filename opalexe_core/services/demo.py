"""Demonstration data: accounts of every profile and a few expertises in
each status, for development and the browser tests. Never run in production.

Written through the services like any other change, by the platform itself
(accounts) and by the demo expert (its cases), so the outbox holds their
events as it would in real use.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from ..contract import AuthMethod, PaperReason, PartyKind, PartySide, Profile, Role, Status
from .accounts import create_account, set_account_court
from .expertises import change_status, create_expertise, set_paper_service
from .participants import add_participant
from .platform import Actor, Platform

DEMO_DOMAIN = "demo.opalexe.test"

DEMO_ACCOUNTS = (
    # key, first name, last name, profile, admin
    ("admin", "Alice", "Admin", Profile.ADMINISTRATEUR, True),
    ("expert", "Jean", "Martin", Profile.EXPERT, False),
    ("coexpert", "Claire", "Bernard", Profile.EXPERT, False),
    ("sapiteur", "Paul", "Petit", Profile.EXPERT, False),
    ("magistrat", "Hélène", "Durand", Profile.MAGISTRAT, False),
    ("greffier", "Marc", "Leroy", Profile.GREFFIER, False),
    ("avocat1", "Sophie", "Moreau", Profile.AVOCAT, False),
    ("avocat2", "Louis", "Fournier", Profile.AVOCAT, False),
    ("intervenant", "Nadia", "Girard", Profile.INTERVENANT, False),
    ("mediateur", "Yves", "Roux", Profile.MEDIATEUR, False),
)

D, F = PartySide.DEMANDEUR, PartySide.DEFENDEUR
PHYSIQUE, MORALE = PartyKind.PHYSIQUE, PartyKind.MORALE

DEMO_CASES = (
    # status, court, RG, EXP, parties
    (Status.EN_COURS, "tj-angers", "18/00001", "18/00001",
     (("Dupont", D, PHYSIQUE),
      ("Syndicat des copropriétaires de la résidence Les Tilleuls", F, MORALE),
      ("SARL Bâti Ouest", F, MORALE))),
    (Status.CREEE, "tj-laval", "20/01234", "20/00056",
     (("L'Immobilière du Maine", D, MORALE), ("Lefèvre", F, PHYSIQUE))),
    (Status.TERMINEE, "tj-saumur", "19/00410", "19/00077",
     (("Garnier", D, PHYSIQUE), ("SA Assurances Loire", F, MORALE))),
    (Status.ARCHIVEE, "tj-le-mans", "17/00999", "17/00021",
     (("Morel", D, PHYSIQUE), ("SCI Les Acacias", F, MORALE))),
)

_PATH = {
    Status.CREEE: (),
    Status.EN_COURS: (Status.EN_COURS,),
    Status.TERMINEE: (Status.EN_COURS, Status.TERMINEE),
    Status.ARCHIVEE: (Status.EN_COURS, Status.TERMINEE, Status.ARCHIVEE),
}


def demo_email(key: str) -> str:
    return f"{key}@{DEMO_DOMAIN}"


def populate_demo(platform: Platform) -> int:
    """Add the demo accounts and cases once; returns how many cases were added."""
    root = platform.root
    if root.accounts.find_by_email(demo_email("expert")) is not None:
        return 0
    operator = Actor.platform()
    accounts = {
        key: create_account(platform, operator, first_name=first, last_name=last, email=demo_email(key),
                            profile=profile, is_admin=admin)
        for key, first, last, profile, admin in DEMO_ACCOUNTS
    }
    for key in ("magistrat", "greffier"):  # the expertise-control service of the TJ Angers
        set_account_court(platform, operator, accounts[key], "tj-angers")
    expert = Actor(accounts["expert"], AuthMethod.CLI)
    for status, court, rg, exp, parties in DEMO_CASES:
        expertise = create_expertise(
            platform, expert, jurisdiction_code=court, rg=rg, exp=exp, parties=parties,
            order_date=date(2000 + int(rg[:2]), 3, 15),
            mission="Examiner les désordres allégués, en décrire la nature et l'origine, chiffrer les travaux.",
            report_due=date(2000 + int(rg[:2]) + 1, 3, 15),
            consignation_amount=Decimal("2500.00"), consignation_due=date(2000 + int(rg[:2]), 4, 15),
        )
        demandeur, defendeur = expertise.first(D), expertise.first(F)
        for key, role, party in (
            ("coexpert", Role.CO_EXPERT, None),
            ("sapiteur", Role.SAPITEUR, None),
            ("magistrat", Role.MAGISTRAT, None),
            ("greffier", Role.GREFFIER, None),
            ("avocat1", Role.AVOCAT, demandeur),
            ("avocat2", Role.AVOCAT, defendeur),
            ("intervenant", Role.INTERVENANT, defendeur),
            ("mediateur", Role.MEDIATEUR, None),
        ):
            add_participant(platform, expert, expertise, accounts[key], role, party.id if party else None)
        if len(expertise.parties) > 2:
            set_paper_service(platform, expert, expertise, expertise.parties[2].id, PaperReason.DEFAILLANTE)
        for step in _PATH[status]:
            change_status(platform, expert, expertise, step)
    return len(DEMO_CASES)
