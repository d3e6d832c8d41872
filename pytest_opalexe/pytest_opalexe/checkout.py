"""Where the Opalexe checkout is: the folder holding ``etc/`` (the shipped
nginx and RelStorage configuration the fixtures run as they are) and
``templates/`` (the page templates, which no wheel carries).

From a source checkout with editable installs it is the folder above the
``opalexe_core`` package. From installed wheels, name it with the
``OPALEXE_CHECKOUT`` environment variable (or the ``opalexe_checkout`` ini
option of pytest, which the plugin copies into that variable).
"""

from __future__ import annotations

import os
from pathlib import Path

import opalexe_core

ENV_VAR = "OPALEXE_CHECKOUT"


class CheckoutNotFound(RuntimeError):
    """No Opalexe checkout could be found."""


def checkout_root() -> Path:
    named = os.environ.get(ENV_VAR, "").strip()
    if named:
        root = Path(named).resolve()
    else:
        root = Path(opalexe_core.__file__).resolve().parent.parent
    if not (root / "etc").is_dir() or not (root / "templates").is_dir():
        raise CheckoutNotFound(
            f"{root} holds no etc/ and templates/ of an Opalexe checkout: set {ENV_VAR} "
            "(or the opalexe_checkout ini option of pytest) to the checkout's folder"
        )
    return root


def etc_file(*parts: str) -> Path:
    return checkout_root().joinpath("etc", *parts)


def templates_dir() -> Path:
    return checkout_root() / "templates"
