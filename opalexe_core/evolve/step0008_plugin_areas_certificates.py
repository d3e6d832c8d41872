"""Step 8 (issue #19): the plugins' storage areas (``root.plugin_areas``,
reached through :class:`opalexe_core.api.PluginServices`) and the register of
the platform's certificate authority (``root.certificates``)."""

from ..resources.certificates import CertificateRegistry
from ..resources.plugin_areas import PluginAreas


def evolve(root, context):
    if getattr(root, "plugin_areas", None) is None:
        root.plugin_areas = PluginAreas()
    if getattr(root, "certificates", None) is None:
        root.certificates = CertificateRegistry()
