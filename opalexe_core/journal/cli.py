"""``opalexe audit``: key generation, sealing, signing, verification,
extracts and proofs of the journal, on the operator's command line."""

from __future__ import annotations

import json
import sys
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from ..keystore import KeyStoreError
from ..resources.root import RootMissing, get_root
from ..storage import journal_uri, open_db, opened
from . import export as exports
from .records import PARIS
from .sequencer import Sequencer, tree_of
from .signer import Signer
from .store import JOURNAL_KEY
from .verify import verify


def journal_db(env):
    if getattr(env, "_journal_db", None) is None:
        env._journal_db = open_db(journal_uri(env.raw), name="journal")
    return env._journal_db


def _sequencer(env) -> Sequencer:
    return Sequencer(journal_db(env), pm=env.pm, signer=Signer.from_settings(env.settings),
                     platform_name=lambda: _platform_name(env))


def _platform_name(env) -> str:
    with opened(env.db) as (zodb_root, _manager):
        try:
            return get_root(zodb_root).settings.platform_name
        except (RootMissing, AttributeError):
            return "Opalexe"


def _signer_or_exit(env) -> Signer:
    signer = Signer.from_settings(env.settings)
    if signer is None:
        print("opalexe audit : aucun module PKCS#11 n'est configuré (opalexe.pkcs11.module, "
              "opalexe.pkcs11.token_label, OPALEXE_PKCS11_PIN).", file=sys.stderr)
        raise SystemExit(2)
    return signer


def cmd_keygen(env, args) -> int:
    signer = _signer_or_exit(env)
    made = signer.ensure_key(_platform_name(env))
    print(("Clé de signature créée dans le module de sécurité" if made else "La clé de signature existe déjà")
          + f" ; certificat SHA-256 {signer.fingerprint()}.")
    return 0


def cmd_sequence(env, args) -> int:
    report = _sequencer(env).run(sign=True if args.sign else None)
    print(f"{report.sealed} entrée(s) scellée(s) ; le journal en compte {report.size}.")
    if report.head:
        print(f"Tête n° {report.head['number']} signée ({report.head['tree_size']} entrées).")
    if report.evidences:
        print(f"{report.evidences} preuve(s) émise(s).")
    return 0 if not report.conflicts else 1


def _certificate(env, args, journal) -> str | None:
    if args.certificate:
        return Path(args.certificate).read_text()
    signer = Signer.from_settings(env.settings)
    if signer is not None:
        try:
            return signer.certificate_pem()
        except KeyStoreError:
            pass
    return None


def cmd_verify(env, args) -> int:
    with opened(journal_db(env)) as (zodb_root, _manager):
        journal = zodb_root.get(JOURNAL_KEY)
        if journal is None:
            print("opalexe audit verify : la base du journal ne contient pas de journal.", file=sys.stderr)
            return 2
        certificate = _certificate(env, args, journal)
        verdict = verify(journal, certificate)
    if certificate is None:
        print("Attention : aucun certificat (module PKCS#11 ou --certificate) : les signatures des têtes ne sont "
              "pas vérifiées.", file=sys.stderr)
    print(verdict.message())
    return 0 if verdict.ok else 1


def _day(text: str) -> date:
    return date.fromisoformat(text)


def cmd_export(env, args) -> int:
    if not (args.expertise or args.account or args.since or args.until):
        print("opalexe audit export : choisissez une expertise, un compte ou une période.", file=sys.stderr)
        return 2
    account = args.account
    if account and "@" in account:
        with opened(env.db) as (zodb_root, _manager):
            found = get_root(zodb_root).accounts.find_by_email(account)
        if found is None:
            print(f"opalexe audit export : aucun compte n'a l'adresse {account}.", file=sys.stderr)
            return 2
        account = found.id
    if not args.no_sign and Signer.from_settings(env.settings) is not None:
        _sequencer(env).run(sign=True)  # every entry so far under a signed head
    selection = exports.Selection(
        expertise=args.expertise, account=account,
        since=datetime.combine(args.since, time(), PARIS) if args.since else None,
        until=datetime.combine(args.until + timedelta(days=1), time(), PARIS) if args.until else None)
    with opened(journal_db(env)) as (zodb_root, _manager):
        extract = exports.build(zodb_root[JOURNAL_KEY], selection, datetime.now(UTC))
    base = Path(args.output)
    written = []
    if args.format in ("jsonl", "both"):
        path = base.with_suffix(".jsonl")
        path.write_text(exports.to_jsonl(extract), encoding="utf-8")
        written.append(path)
    if args.format in ("csv", "both"):
        path = base.with_suffix(".csv")
        path.write_text(exports.to_csv(extract), encoding="utf-8")
        written.append(path)
    print(f"{len(extract.entries)} entrée(s) exportée(s) dans " + ", ".join(map(str, written)) + ".")
    if extract.unproven:
        print(f"Attention : {extract.unproven} entrée(s) ne sont couvertes par aucune tête signée.", file=sys.stderr)
    return 0


def cmd_certificate(env, args) -> int:
    signer = _signer_or_exit(env)
    sys.stdout.write(signer.certificate_pem())
    return 0


def cmd_prove(env, args) -> int:
    with opened(journal_db(env)) as (zodb_root, _manager):
        journal = zodb_root[JOURNAL_KEY]
        size = args.size or journal.state.size
        tree = tree_of(journal)
        if args.inclusion:
            seq, prev, entry, leaf = journal.log[args.inclusion]
            from .records import canonical, sealed_record

            out = {"seq": seq, "tree_size": size, "leaf_hash": leaf.hex(), "root_hash": tree.root(size).hex(),
                   "record": canonical(sealed_record(seq, prev, entry.data)).decode("utf-8"),
                   "proof": [h.hex() for h in tree.inclusion(seq - 1, size)]}
        else:
            first, second = args.consistency
            out = {"from": first, "to": second, "from_root": tree.root(first).hex(),
                   "to_root": tree.root(second).hex(), "proof": [h.hex() for h in tree.consistency(first, second)]}
    print(json.dumps(out, ensure_ascii=False, indent=2))
    return 0


def add_parser(commands) -> None:
    audit = commands.add_parser("audit", help="le journal : clé, scellement, signature, vérification, extraits")
    sub = audit.add_subparsers(dest="audit_command", required=True)
    sub.add_parser("keygen", help="créer la clé de signature et son certificat dans le module PKCS#11"
                   ).set_defaults(func=cmd_keygen)
    sequence = sub.add_parser("sequence", help="sceller les entrées en attente (et signer si c'est l'heure)")
    sequence.add_argument("--sign", action="store_true", help="signer une tête maintenant")
    sequence.set_defaults(func=cmd_sequence)
    sign = sub.add_parser("sign", help="sceller et signer une tête maintenant")
    sign.set_defaults(func=cmd_sequence, sign=True)
    check = sub.add_parser("verify", help="vérifier la chaîne, l'arbre et les têtes signées")
    check.add_argument("--certificate", help="certificat de la plateforme (PEM) ; défaut : celui du module")
    check.set_defaults(func=cmd_verify)
    extract = sub.add_parser("export", help="extrait vérifiable (JSON Lines et CSV) avec têtes signées et preuves")
    extract.add_argument("--expertise", help="identifiant de l'expertise")
    extract.add_argument("--account", help="identifiant ou adresse électronique du compte")
    extract.add_argument("--since", type=_day, help="premier jour (AAAA-MM-JJ, heure de Paris)")
    extract.add_argument("--until", type=_day, help="dernier jour inclus (AAAA-MM-JJ)")
    extract.add_argument("--format", choices=("jsonl", "csv", "both"), default="both")
    extract.add_argument("--no-sign", action="store_true", help="ne pas signer de tête avant l'export")
    extract.add_argument("-o", "--output", default="extrait-journal", help="chemin sans extension")
    extract.set_defaults(func=cmd_export)
    sub.add_parser("certificate", help="afficher le certificat de la plateforme (PEM)"
                   ).set_defaults(func=cmd_certificate)
    prove = sub.add_parser("prove", help="preuve d'inclusion d'une entrée ou de cohérence entre deux tailles")
    group = prove.add_mutually_exclusive_group(required=True)
    group.add_argument("--inclusion", type=int, metavar="N", help="numéro de l'entrée")
    group.add_argument("--consistency", type=int, nargs=2, metavar=("TAILLE1", "TAILLE2"))
    prove.add_argument("--size", type=int, help="taille de l'arbre (défaut : tout le journal)")
    prove.set_defaults(func=cmd_prove)
