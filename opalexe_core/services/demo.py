"""Demonstration data: accounts of every profile and a few expertises in
each status, for development and the browser tests. Never run in production."""

from __future__ import annotations

from datetime import date

from ..contract import Role
from ..resources.accounts import Account
from .expertises import add_participant, change_status, create_expertise

DEMO_DOMAIN = "demo.opalexe.test"

DEMO_ACCOUNTS = (
    # key, first name, last name, profile, admin
    ("admin", "Alice", "Admin", "administrateur", True),
    ("expert", "Jean", "Martin", "expert", False),
    ("coexpert", "Claire", "Bernard", "expert", False),
    ("sapiteur", "Paul", "Petit", "expert", False),
    ("magistrat", "Hélène", "Durand", "magistrat", False),
    ("greffier", "Marc", "Leroy", "greffier", False),
    ("avocat1", "Sophie", "Moreau", "avocat", False),
    ("avocat2", "Louis", "Fournier", "avocat", False),
    ("intervenant", "Nadia", "Girard", "intervenant", False),
    ("mediateur", "Yves", "Roux", "mediateur", False),
)

DEMO_CASES = (
    # status, court, RG, EXP, parties
    ("en_cours", "tj-angers", "18/00001", "18/00001",
     (("Dupont", "demandeur", "physique"),
      ("Syndicat des copropriétaires de la résidence Les Tilleuls", "defendeur", "morale"),
      ("SARL Bâti Ouest", "defendeur", "morale"))),
    ("creee", "tj-laval", "20/01234", "20/00056",
     (("L'Immobilière du Maine", "demandeur", "morale"), ("Lefèvre", "defendeur", "physique"))),
    ("terminee", "tj-saumur", "19/00410", "19/00077",
     (("Garnier", "demandeur", "physique"), ("SA Assurances Loire", "defendeur", "morale"))),
    ("archivee", "tj-le-mans", "17/00999", "17/00021",
     (("Morel", "demandeur", "physique"), ("SCI Les Acacias", "defendeur", "morale"))),
)

_PATH = {"creee": (), "en_cours": ("en_cours",), "terminee": ("en_cours", "terminee"),
         "archivee": ("en_cours", "terminee", "archivee")}


def demo_email(key: str) -> str:
    return f"{key}@{DEMO_DOMAIN}"


def populate_demo(root, pm) -> int:
    """Add the demo accounts and cases once; returns how many cases were added."""
    if root.accounts.find_by_email(demo_email("expert")) is not None:
        return 0
    accounts = {}
    for key, first, last, profile, admin in DEMO_ACCOUNTS:
        accounts[key] = root.accounts.add_account(Account(first, last, demo_email(key), profile, is_admin=admin))
    for status, court, rg, exp, parties in DEMO_CASES:
        expertise = create_expertise(
            root, pm, expert=accounts["expert"], jurisdiction_code=court, rg=rg, exp=exp, parties=parties,
            order_date=date(2000 + int(rg[:2]), 3, 15),
            mission="Examiner les désordres allégués, en décrire la nature et l'origine, chiffrer les travaux.",
            report_due=date(2000 + int(rg[:2]) + 1, 3, 15),
        )
        demandeur, defendeur = expertise.first("demandeur"), expertise.first("defendeur")
        add_participant(root, expertise, accounts["coexpert"], Role.CO_EXPERT)
        add_participant(root, expertise, accounts["sapiteur"], Role.SAPITEUR)
        add_participant(root, expertise, accounts["magistrat"], Role.MAGISTRAT)
        add_participant(root, expertise, accounts["greffier"], Role.GREFFIER)
        add_participant(root, expertise, accounts["avocat1"], Role.AVOCAT, demandeur.id)
        add_participant(root, expertise, accounts["avocat2"], Role.AVOCAT, defendeur.id)
        add_participant(root, expertise, accounts["intervenant"], Role.INTERVENANT, defendeur.id)
        add_participant(root, expertise, accounts["mediateur"], Role.MEDIATEUR)
        if len(expertise.parties) > 2:
            expertise.parties[2].paper_reason = "defaillante"
        for step in _PATH[status]:
            change_status(expertise, step, actor_id=accounts["expert"].id, pm=pm)
    return len(DEMO_CASES)
