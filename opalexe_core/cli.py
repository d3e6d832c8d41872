"""The ``opalexe`` console script: init, evolve, plugins, shell."""

from __future__ import annotations

import argparse
import code
import logging
import os
import sys
from datetime import UTC, datetime

from pyramid.paster import get_appsettings, setup_logging

from .evolve import SCHEMA_VERSION, EvolveContext, NewerSchemaError, pending_steps, refuse_newer, run_evolve
from .keystore import KeyStore, KeyStoreError
from .plugins import describe_plugins, make_plugin_manager
from .resources.root import RootMissing, get_root
from .services.keys import MASTER_KEY_LABEL, ensure_master_key
from .services.notifications import make_notifier, send_digests
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


def cmd_init(env: Environment, args) -> int:
    if args.demo and env.settings.environment == "production":
        print("opalexe init: les données de démonstration sont refusées en production.", file=sys.stderr)
        return 2
    result = initialize(env.db, env.pm, demo=args.demo)
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


def cmd_shell(env: Environment, args) -> int:
    with opened(env.db) as (zodb_root, manager):
        namespace = {"zodb_root": zodb_root, "root": zodb_root.get("opalexe"), "pm": env.pm,
                     "transaction": manager, "settings": env.settings}
        banner = ("Opalexe shell: root, pm, settings, transaction (call transaction.commit() to save).")
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
    commands.add_parser("shell", help="console Python sur la base").set_defaults(func=cmd_shell)
    uploads = commands.add_parser("uploads", help="téléversements en attente").add_subparsers(required=True)
    uploads.add_parser("purge", help="supprimer les téléversements inachevés et expirés (opalexe.uploads.expire_hours)"
                       ).set_defaults(func=cmd_uploads_purge)
    notifications = commands.add_parser("notifications", help="courriels de notification").add_subparsers(
        required=True)
    notifications.add_parser("digest", help="envoyer les récapitulatifs quotidiens des nouveaux documents"
                             ).set_defaults(func=cmd_notifications_digest)
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
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
