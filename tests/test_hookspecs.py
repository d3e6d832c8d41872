"""The plugin contract reads as a manual: every hook documented, well named,
and the list of who calls which hook kept here, not in the docstrings."""

import ast
import inspect
import re
import warnings
from pathlib import Path

import pytest

import opalexe_core
from opalexe_core import hookspecs
from opalexe_core.api import FolderKind, FolderSpec, hookimpl
from opalexe_core.plugins import make_plugin_manager

HOOKS = [name for name, obj in vars(hookspecs).items() if name.startswith("opalexe_") and inspect.isfunction(obj)]
CORE = Path(opalexe_core.__file__).parent

#: Where the core calls each hook today (a module of the core, relative to
#: its package). Event hooks are called by the outbox, by name.
CALLED_FROM = {
    "opalexe_config_include": "app.py",
    "opalexe_case_name_compute": "services/naming.py",
    "opalexe_case_number_normalize": "services/naming.py",
    "opalexe_folder_tree_define": "services/expertises.py",
    "opalexe_rights_matrix_amend": "rights.py",
    "opalexe_auth_providers_collect": "services/auth.py",
    "opalexe_credentials_get": "services/auth.py",
    "opalexe_identity_get": "services/auth.py",
    "opalexe_registration_fields_collect": "services/auth.py",
    "opalexe_jurisdictions_collect": "services/jurisdictions.py",
    "opalexe_specialities_collect": "services/specialities.py",
    "opalexe_event_committed": "services/outbox.py",
    "opalexe_expertise_status_changed": "services/outbox.py",
    "opalexe_document_deposited": "services/outbox.py",
    "opalexe_upload_scan": "services/documents.py",
    "opalexe_evidence_timestamp": "services/evidence.py",
}

#: Declared for plugins to be written against, called by nothing yet.
RESERVED = {
    "opalexe_tariff_lines_compute",
    "opalexe_invoice_triggers_collect",
    "opalexe_letter_templates_collect",
}

#: SPEC.md, "Hooks (the plugin contract)": at least these.
REQUIRED = {
    "opalexe_auth_providers_collect",
    "opalexe_credentials_get",
    "opalexe_identity_get",
    "opalexe_registration_fields_collect",
    "opalexe_case_name_compute",
    "opalexe_case_number_normalize",
    "opalexe_folder_tree_define",
    "opalexe_rights_matrix_amend",
    "opalexe_tariff_lines_compute",
    "opalexe_invoice_triggers_collect",
    "opalexe_document_deposited",
    "opalexe_expertise_status_changed",
    "opalexe_upload_scan",
    "opalexe_letter_templates_collect",
    "opalexe_specialities_collect",
    "opalexe_jurisdictions_collect",
}


def references(path: Path) -> set[str]:
    """Hook names ``path`` refers to: ``<x>.hook.opalexe_<name>`` attributes,
    and string constants naming a hook (the outbox calls event hooks by
    name). Read from the syntax tree: comments and docstrings do not count."""
    found = set()
    tree = ast.parse(path.read_text(), str(path))
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, ast.Module | ast.FunctionDef | ast.ClassDef) and node.body
                  and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in HOOKS and getattr(node.value, "attr", None) == "hook":
            found.add(node.attr)
        elif isinstance(node, ast.Constant) and node.value in HOOKS and id(node) not in docstrings:
            found.add(node.value)
    return found


def test_the_spec_s_hooks_are_declared():
    assert REQUIRED <= set(HOOKS)


def test_every_hook_is_either_called_or_reserved():
    assert set(CALLED_FROM) | RESERVED == set(HOOKS)
    assert not set(CALLED_FROM) & RESERVED


@pytest.mark.parametrize(("name", "module"), sorted(CALLED_FROM.items()))
def test_each_hook_is_called_where_this_list_says(name, module):
    assert name in references(CORE / module), f"{module} does not call {name}"


def test_no_hook_is_called_from_a_view_or_a_reserved_one_from_anywhere():
    by_module = {path.relative_to(CORE).as_posix(): references(path) for path in CORE.rglob("*.py")
                 if path.name != "hookspecs.py"}
    assert {module: hooks for module, hooks in by_module.items() if module.startswith("views/") and hooks} == {}
    called = set().union(*by_module.values())
    assert called & RESERVED == set()


@pytest.mark.parametrize("name", HOOKS)
def test_each_hook_documents_its_contract(name):
    doc = inspect.getdoc(getattr(hookspecs, name))
    assert doc, f"{name} has no docstring"
    assert re.search(r"\bCalled\b|\bReserved:", doc), f"{name}: say when it is called, or that it is reserved"
    assert ":return:" in doc, f"{name}: say what it returns"
    # The contract, not the code that calls it today: no core function named.
    assert not re.search(r"opalexe_core\.(services|views|app)\b", doc), f"{name}: names the core's code"


@pytest.mark.parametrize("name", HOOKS)
def test_a_hook_is_marked_reserved_exactly_when_it_is_in_the_reserved_list(name):
    doc = inspect.getdoc(getattr(hookspecs, name))
    if name in RESERVED:
        assert "Reserved: declared so plugins can be written against it; no caller yet" in doc
    else:
        assert "Reserved" not in doc and re.search(r"\bCalled\b", doc)


@pytest.mark.parametrize("name", HOOKS)
def test_hooks_are_registered_with_the_manager(name):
    pm = make_plugin_manager()
    assert hasattr(pm.hook, name)


def test_firstresult_hooks_are_the_single_answer_ones():
    pm = make_plugin_manager()
    first = {name for name in HOOKS if getattr(pm.hook, name).spec.opts.get("firstresult")}
    assert first == {
        "opalexe_case_name_compute",
        "opalexe_case_number_normalize",
        "opalexe_folder_tree_define",
        "opalexe_tariff_lines_compute",
        "opalexe_credentials_get",
        "opalexe_identity_get",
        "opalexe_evidence_timestamp",
    }


def test_a_deprecated_hook_argument_is_announced_when_the_plugin_registers():
    """Deprecations go through pluggy's warn_on_impl_args: a plugin still
    asking for ``party_count`` hears of it once, at registration, and keeps
    working."""

    class OldTree:
        @hookimpl
        def opalexe_folder_tree_define(self, jurisdiction, party_count):
            return [FolderSpec(FolderKind.PARTIE, "Partie", party_index=i) for i in range(party_count)]

    class NewTree:
        @hookimpl
        def opalexe_folder_tree_define(self, jurisdiction, parties):
            return None

    pm = make_plugin_manager()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        pm.register(NewTree(), name="new")
        assert caught == []
        pm.register(OldTree(), name="old")
    [warning] = caught
    assert issubclass(warning.category, DeprecationWarning) and "accept `parties`" in str(warning.message)
    tree = pm.hook.opalexe_folder_tree_define(jurisdiction=None, parties=("a", "b"), party_count=2)
    assert [spec.party_index for spec in tree] == [0, 1]
