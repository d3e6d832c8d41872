"""The plugin kit: ``opalexe plugin new NAME`` writes a plugin distribution.

The distribution is written from the templates below this package
(``templates/common`` and one variant: ``page``, a page of the plugin's own,
or ``auth``, an authentication provider): a ``setup.cfg`` with its entry
point and its requirement on the running contract, a package whose code
imports only :mod:`opalexe_core.api`, tests on the fixtures of
``pytest-opalexe``, and a README with the guide for an integrator writing an
authentication provider.

In a template, ``{{name}}`` and the other keys of :meth:`PluginNames.values`
are replaced (files ending ``.tmpl`` lose that suffix; the others, such as a
compiled catalog, are copied as they are) and a path segment ``__package__``
becomes the package's name. A file ``NAME.part`` is not a file of the
distribution: its text, filled in, replaces ``{{NAME}}`` in the others.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import re
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path

from ..markers import CONTRACT_VERSION
from ..plugins import ENTRY_POINT_GROUP, installed_plugin_names

TEMPLATES = Path(__file__).with_name("templates")
VARIANTS = ("page", "auth")
#: An entry-point name, a Python identifier once prefixed: ``mon_acces``.
NAME = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*")
NAME_LENGTH = (2, 40)
PACKAGE_SEGMENT = "__package__"
SUFFIX = ".tmpl"
PART = ".part"
PLACEHOLDER = re.compile(r"\{\{([a-z_]+)\}\}")


class PluginKitError(ValueError):
    """A plugin cannot be written with this name or in this folder; the
    message (French) says why. Nothing was written."""


@dataclass(frozen=True)
class PluginNames:
    """Every name of one plugin, derived from the entry-point name."""

    name: str

    @property
    def package(self) -> str:
        return f"opalexe_{self.name}"

    @property
    def distribution(self) -> str:
        return f"opalexe-{self.name.replace('_', '-')}"

    @property
    def slug(self) -> str:
        return self.name.replace("_", "-")

    def values(self) -> dict[str, str]:
        major = int(CONTRACT_VERSION.split(".")[0])
        return {
            "name": self.name,
            "package": self.package,
            "distribution": self.distribution,
            "slug": self.slug,
            "requirement": f"opalexe >= {CONTRACT_VERSION}, < {major + 1}",
            "contract": CONTRACT_VERSION,
        }


def check_name(name: str) -> PluginNames:
    """The names of a plugin called ``name``, or :class:`PluginKitError`
    when it is not a valid name or one already taken here."""
    shortest, longest = NAME_LENGTH
    if not NAME.fullmatch(name) or not shortest <= len(name) <= longest:
        raise PluginKitError(
            f"nom d'extension invalide « {name} » : de {shortest} à {longest} caractères, lettres minuscules "
            "sans accent, chiffres et « _ » entre deux mots, en commençant par une lettre (exemple : mon_acces)"
        )
    if name == "opalexe" or name.startswith("opalexe_"):
        raise PluginKitError(
            f"nom d'extension invalide « {name} » : son paquet s'appellera opalexe_<nom> ; "
            "donnez le nom sans le préfixe « opalexe_ »"
        )
    names = PluginNames(name)
    if name in installed_plugin_names():
        raise PluginKitError(f"une extension nommée « {name} » est déjà installée (groupe {ENTRY_POINT_GROUP})")
    if importlib.util.find_spec(names.package) is not None:
        raise PluginKitError(f"un paquet Python « {names.package} » existe déjà dans cet environnement")
    try:
        importlib.metadata.distribution(names.distribution)
    except importlib.metadata.PackageNotFoundError:
        pass
    else:
        raise PluginKitError(f"une distribution « {names.distribution} » est déjà installée")
    return names


def new_plugin(name: str, directory: Path, auth_provider: bool = False) -> Path:
    """Write the distribution of the plugin ``name`` into ``directory/name``
    and return that folder. :class:`PluginKitError` (nothing written) for a
    bad name, a missing ``directory`` or a folder that already exists."""
    names = check_name(name)
    directory = Path(directory).absolute()
    if not directory.is_dir():
        raise PluginKitError(f"le dossier « {directory} » n'existe pas : créez-le d'abord")
    target = directory / name
    if target.exists() or target.is_symlink():
        raise PluginKitError(f"« {target} » existe déjà : choisissez un autre nom ou un autre dossier")
    files = render(names, "auth" if auth_provider else "page")
    # Written beside the target, then renamed: an error midway leaves nothing.
    staging = directory / f".{name}-{uuid.uuid4().hex[:8]}.new"
    staging.mkdir()
    try:
        for relative, content in files.items():
            path = staging / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
        staging.rename(target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target


def render(names: PluginNames, variant: str) -> dict[str, bytes]:
    """The files of the distribution (relative path → content): the common
    templates, then the variant's, which may replace one of them."""
    if variant not in VARIANTS:
        raise ValueError(f"unknown plugin variant {variant!r}")
    values = names.values()
    sources: dict[str, Path] = {}
    for base in (TEMPLATES / "common", TEMPLATES / variant):
        for path in sorted(base.rglob("*")):
            if path.is_file():
                sources[path.relative_to(base).as_posix()] = path
    for relative, path in sources.items():
        if relative.endswith(PART):
            values[relative.removesuffix(PART)] = _fill(path.read_text(encoding="utf-8"), values)
    files = {}
    for relative, path in sources.items():
        if relative.endswith(PART):
            continue
        output = relative.replace(PACKAGE_SEGMENT, names.package)
        if output.endswith(SUFFIX):
            files[output.removesuffix(SUFFIX)] = _fill(path.read_text(encoding="utf-8"), values).encode("utf-8")
        else:
            files[output] = path.read_bytes()
    return files


def _fill(text: str, values: dict[str, str]) -> str:
    def replace(match: re.Match) -> str:
        try:
            return values[match.group(1)]
        except KeyError:
            raise ValueError(f"the plugin template uses an unknown placeholder {match.group(0)}") from None

    return PLACEHOLDER.sub(replace, text)
