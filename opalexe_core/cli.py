"""The ``opalexe`` console script: init, evolve, plugins, outbox, ca, shell, plugin new, audit, uploads,
notifications."""

from __future__ import annotations

import argparse
import code
import logging
import os
import sys
from datetime import UTC, datetime
from pathlib import Path

from pyramid.paster import get_appsettings, setup_logging

from .evolve import SCHEMA_VERSION, EvolveContext, NewerSchemaError, pending_steps, refuse_newer, run_evolve
from .keystore import KeyStore, KeyStoreError
from .plugin_kit import PluginKitError, new_plugin
from .plugins import describe_plugins, make_plugin_manager
from .resources.root import RootMissing, get_root
from .services.keys import MASTER_KEY_LABEL, ensure_master_key
from .services.notifications import make_notifier, send_digests
from .services.outbox import OutboxDispatcher
from .services.platform import Actor, Platform
from .services.uploads import UploadSpool
from .settings import Settings
from .storage import initialize, open_db, opened

log = logging.getLogger("opalexe")


class Environment:
    """The settings, plugin manager and database a command works on."""

    def __init__(self, config_uri: str):
        self.raw = get_appsettings(config_uri)
        self.settings = Settings.from_ini(self.raw)
        self.pm = make_plugin_manager(self.settings.plugins_disabled)
        self._db = None

    @property
    def db(self):
        if self._db is None:
            self._db = open_db(self.raw["zodbconn.uri"])
        return self._db

    def close(self):
        if self._db is not None:
            self._db.close()
        if getattr(self, "_journal_db", None) is not None:
            self._journal_db.close()


def cmd_init(env: Environment, args) -> int:
    if args.demo and env.settings.environment == "production":
        print("opalexe init: les données de démonstration sont refusées en production.", file=sys.stderr)
        return 2
    result = initialize(env.db, env.pm, demo=args.demo)
    from .journal.cli import journal_db
    from .storage import ensure_journal_db

    ensure_journal_db(journal_db(env))
    print(f"Plateforme prête (schéma {result['schema_version']} ; étapes appliquées : {result['steps'] or 'aucune'}).")
    if env.settings.pkcs11.configured:
        try:
            created = ensure_master_key(KeyStore(env.settings.pkcs11))
        except KeyStoreError as error:
            print(f"opalexe init : le module de clés ne répond pas : {error}", file=sys.stderr)
            return 2
        print(f"Clé maîtresse des documents « {MASTER_KEY_LABEL} » : {'créée' if created else 'présente'} "
              f"dans le jeton « {env.settings.pkcs11.token_label} ».")
    else:
        print("Aucun module de clés PKCS#11 configuré (opalexe.pkcs11.module) : les dépôts seront refusés.",
              file=sys.stderr)
    if args.demo:
        print(f"Données de démonstration : {result['demo_cases']} expertise(s) ajoutée(s).")
    return 0


def cmd_evolve(env: Environment, args) -> int:
    with opened(env.db) as (zodb_root, manager):
        try:
            root = get_root(zodb_root)
        except RootMissing as error:
            print(f"opalexe evolve: {error}", file=sys.stderr)
            return 2
        refuse_newer(root)
        pending = [number for number, _ in pending_steps(root)]
        if args.dry_run:
            print(f"Schéma {root.schema_version} → {SCHEMA_VERSION} ; étapes en attente : {pending or 'aucune'}")
            return 0
        done = run_evolve(root, EvolveContext(pm=env.pm), txn=manager)
        print(f"Schéma {root.schema_version} ; étapes appliquées : {done or 'aucune'}")
    return 0


def cmd_plugins(env: Environment, args) -> int:
    for info in describe_plugins(env.pm):
        origin = f"{info.distribution} {info.version}" if info.distribution else "opalexe (cœur)"
        if info.disabled:
            print(f"{info.name}  [désactivée par opalexe.plugins.disabled]")
            continue
        print(f"{info.name}  ({origin})")
        for hook in info.hooks:
            print(f"    {hook}")
    return 0


def _when(moment) -> str:
    return moment.isoformat(timespec="seconds") if moment is not None else "—"


def cmd_outbox(env: Environment, args) -> int:
    """The events waiting for delivery; ``--deliver``: deliver the due ones now."""
    status = 0
    if args.deliver:
        report = OutboxDispatcher(env.db, env.pm).deliver()
        print(f"Distribution : {report.delivered} événement(s) distribué(s), {report.failed} en échec, "
              f"{report.skipped} pas encore dû(s) ou en cours de distribution ailleurs.")
        status = 1 if report.failed else 0
    with opened(env.db) as (zodb_root, _manager):
        try:
            outbox = get_root(zodb_root).outbox
        except RootMissing as error:
            print(f"opalexe outbox: {error}", file=sys.stderr)
            return 2
        entries = [(key, outbox.get(key)) for key in outbox.keys()]  # oldest first
        print(f"Événements distribués depuis la création de la plateforme : {outbox.delivered_count()}.")
        if not entries:
            print("Aucun événement en attente.")
            return status
        oldest = entries[0][1].event
        print(f"{len(entries)} événement(s) en attente ; le plus ancien : {_when(oldest.at)} ({oldest.kind}).")
        failing = [(key, entry) for key, entry in entries if entry.attempts]
        if failing:
            print(f"{len(failing)} en échec :")
        for _key, entry in failing:
            event = entry.event
            print(f"  {_when(event.at)}  {event.kind}  {event.id}  {entry.attempts} tentative(s), "
                  f"prochain essai {_when(entry.next_attempt)}")
            print(f"    dernière erreur : {entry.last_error}")
    return status


def cmd_ca(env: Environment, args) -> int:
    """Create the certificate authority's key on the PKCS#11 token (once) and
    show its certificate; ``--crl`` signs a new revocation list."""
    from asn1crypto import x509

    from .authority import CA_LABEL, certificate_pem, crl_pem, fingerprint
    from .contract import UserError
    from .keystore import KeyStoreError
    from .services.certificates import create_authority, publish_crl
    from .services.platform import Actor, Platform

    with opened(env.db) as (zodb_root, manager):
        try:
            root = get_root(zodb_root)
        except RootMissing as error:
            print(f"opalexe ca : {error}", file=sys.stderr)
            return 2
        platform = Platform.offline(root, env.pm, settings=env.settings)
        actor = Actor.platform()
        try:
            der = create_authority(platform, actor)
            if args.crl:
                publish_crl(platform, actor)
            manager.get().note("opalexe ca")
            manager.commit()
        except (UserError, KeyStoreError) as error:
            message = error.message if isinstance(error, UserError) else str(error)
            print(f"opalexe ca : {message}", file=sys.stderr)
            return 2
        registry = root.certificates
        certificate = x509.Certificate.load(der)
        pkcs11 = env.settings.pkcs11
        print(f"Autorité de certification : {certificate.subject.human_friendly}")
        print(f"Clé privée : sur le jeton PKCS#11 « {pkcs11.token_label} », étiquette « {CA_LABEL} »"
              " (EC P-256, non extractible)")
        print(f"Numéro de série : {format(certificate.serial_number, 'x')}")
        print(f"Valable du {certificate.not_valid_before:%d/%m/%Y} au {certificate.not_valid_after:%d/%m/%Y}")
        print(f"Empreinte SHA-256 : {fingerprint(der)}")
        if registry.crl_der is not None:
            print(f"Liste de révocation n° {registry.crl_number}, valable jusqu'au "
                  f"{registry.crl_next_update:%d/%m/%Y %H:%M} UTC ; certificats révoqués : {len(registry.revoked())}")
        print(certificate_pem(der), end="")
        if args.certificate_out:
            _write(args.certificate_out, certificate_pem(der))
        if args.crl_out and registry.crl_der is not None:
            _write(args.crl_out, crl_pem(registry.crl_der))
    return 0


def _write(path: str, text: str) -> None:
    """Write public material (a certificate, a CRL) atomically."""
    temporary = f"{path}.tmp"
    with open(temporary, "w", encoding="ascii") as output:
        output.write(text)
    os.replace(temporary, path)


def cmd_shell(env: Environment, args) -> int:
    with opened(env.db) as (zodb_root, manager):
        root = zodb_root.get("opalexe")
        # The plugins' rights amendments included; no dispatcher: what the
        # shell commits waits in the outbox for the server's sweeper, or
        # `opalexe outbox --deliver`.
        platform = Platform.offline(root, env.pm, env.settings) if root is not None else None
        namespace = {"zodb_root": zodb_root, "root": root, "pm": env.pm, "transaction": manager,
                     "settings": env.settings, "platform": platform, "operator": Actor.platform(),
                     "Actor": Actor}
        banner = ("Opalexe shell: root, pm, settings, transaction (call transaction.commit() to save),\n"
                  "platform and operator for the services (opalexe_core.services.*: "
                  "create_account(platform, operator, ...));\n"
                  "their events wait in the outbox: the server delivers them, or `opalexe outbox --deliver`.")
        code.interact(banner=banner, local=namespace)
    return 0


def cmd_uploads_purge(env: Environment, args) -> int:
    directory = env.settings.documents.uploads_dir
    if not directory:
        print("opalexe uploads purge : aucun dossier de téléversement (opalexe.uploads.dir).", file=sys.stderr)
        return 2
    removed = UploadSpool(directory, None).purge(datetime.now(UTC), env.settings.documents.upload_expiry)
    print(f"Téléversements expirés supprimés : {len(removed)}.")
    return 0


def cmd_notifications_digest(env: Environment, args) -> int:
    if env.settings.public_url is None:
        print("opalexe notifications digest : les liens des courriels demandent opalexe.public_url.", file=sys.stderr)
        return 2
    sent = send_digests(make_notifier(env.db, env.raw, env.settings))
    print(f"Récapitulatifs envoyés : {sent}.")
    return 0


def cmd_plugin_new(args) -> int:
    try:
        target = new_plugin(args.name, Path(args.directory), auth_provider=args.auth_provider)
    except PluginKitError as error:
        print(f"opalexe plugin new : {error}. Rien n'a été écrit.", file=sys.stderr)
        return 2
    kind = " (fournisseur d'authentification)" if args.auth_provider else ""
    print(f"Extension {args.name}{kind} écrite dans {target} : lisez son README.md.")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="opalexe", description="Administration d'une plateforme Opalexe.")
    parser.add_argument("-c", "--config", default=os.environ.get("OPALEXE_CONFIG", "development.ini"),
                        help="fichier de configuration (défaut : development.ini ou $OPALEXE_CONFIG)")
    commands = parser.add_subparsers(dest="command", required=True)
    init = commands.add_parser("init", help="créer la plateforme dans une base vide")
    init.add_argument("--demo", action="store_true", help="ajouter les données de démonstration")
    init.set_defaults(func=cmd_init)
    evolve = commands.add_parser("evolve", help="appliquer les étapes d'évolution du schéma en attente")
    evolve.add_argument("--dry-run", action="store_true", help="lister les étapes sans les appliquer")
    evolve.set_defaults(func=cmd_evolve)
    commands.add_parser("plugins", help="lister les extensions et leurs points d'extension").set_defaults(
        func=cmd_plugins)
    outbox = commands.add_parser("outbox", help="les événements en attente de distribution aux extensions")
    outbox.add_argument("--deliver", action="store_true",
                        help="distribuer maintenant les événements dus (code de sortie 1 si un échec)")
    outbox.set_defaults(func=cmd_outbox)
    ca = commands.add_parser("ca", help="créer l'autorité des certificats logiciels (clé sur le jeton PKCS#11) "
                                        "et afficher son certificat")
    ca.add_argument("--crl", action="store_true", help="signer une nouvelle liste de révocation (à lancer chaque jour)")
    ca.add_argument("--certificate-out", metavar="FICHIER", help="écrire le certificat de l'autorité (PEM)")
    ca.add_argument("--crl-out", metavar="FICHIER", help="écrire la liste de révocation en vigueur (PEM)")
    ca.set_defaults(func=cmd_ca)
    commands.add_parser("shell", help="console Python sur la base").set_defaults(func=cmd_shell)
    uploads = commands.add_parser("uploads", help="téléversements en attente").add_subparsers(required=True)
    uploads.add_parser("purge", help="supprimer les téléversements inachevés et expirés (opalexe.uploads.expire_hours)"
                       ).set_defaults(func=cmd_uploads_purge)
    notifications = commands.add_parser("notifications", help="courriels de notification").add_subparsers(
        required=True)
    notifications.add_parser("digest", help="envoyer les récapitulatifs quotidiens des nouveaux documents"
                             ).set_defaults(func=cmd_notifications_digest)
    plugin = commands.add_parser("plugin", help="écrire une extension")
    plugin_commands = plugin.add_subparsers(dest="plugin_command", required=True)
    new = plugin_commands.add_parser(
        "new", help="écrire la distribution d'une nouvelle extension (setup.cfg, code, tests, README)")
    new.add_argument("name", metavar="NOM", help="nom de l'extension : lettres minuscules, chiffres et _ (mon_acces)")
    new.add_argument("--directory", "-d", default=".", metavar="DOSSIER",
                     help="dossier où créer le dossier NOM (défaut : le dossier courant)")
    new.add_argument("--auth-provider", action="store_true",
                     help="un fournisseur d'authentification à compléter (développement seulement tant que sa "
                          "vérification n'est pas remplacée)")
    # Writes files only: no configuration file, no database.
    new.set_defaults(func=cmd_plugin_new, needs_platform=False)
    from .journal.cli import add_parser as add_audit

    add_audit(commands)
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    if not getattr(args, "needs_platform", True):
        return args.func(args)
    config_uri = os.path.abspath(args.config)
    if not os.path.exists(config_uri):
        print(f"opalexe: fichier de configuration introuvable : {config_uri}", file=sys.stderr)
        return 2
    setup_logging(config_uri)
    env = Environment(config_uri)
    try:
        return args.func(env, args)
    except NewerSchemaError as error:
        print(
            f"opalexe {args.command} : la base est au schéma {error.version}, plus récent que celui de ce code "
            f"({error.latest}) ; installez la version d'Opalexe qui l'a écrite. Rien n'a été modifié.",
            file=sys.stderr,
        )
        return 2
    finally:
        env.close()


if __name__ == "__main__":
    sys.exit(main())
