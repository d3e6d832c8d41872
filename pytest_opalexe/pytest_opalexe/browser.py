"""Drive Debian's chromium with Playwright (no downloaded browser builds)."""

import os

from .errors import MissingBinaryError

CHROMIUM = "/usr/bin/chromium"

# Playwright's headless=True already adds the headless flag.
CHROMIUM_ARGS = [
    "--no-sandbox",  # we run as root in a container
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def check_chromium() -> str:
    """Return the chromium path, or fail saying which apt package is missing."""
    if not os.access(CHROMIUM, os.X_OK):
        raise MissingBinaryError(CHROMIUM, "chromium")
    return CHROMIUM


def launch_chromium(playwright, **options):
    """Launch a headless chromium ``Browser`` from a Playwright instance.

    Extra keyword arguments go to ``playwright.chromium.launch``.
    """
    return playwright.chromium.launch(
        executable_path=check_chromium(),
        headless=True,
        args=CHROMIUM_ARGS,
        **options,
    )
