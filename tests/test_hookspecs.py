"""The plugin contract reads as a manual: every hook documented, well named."""

import ast
import inspect
import re
from pathlib import Path

import pytest

import opalexe_core
from opalexe_core import hookspecs
from opalexe_core.plugins import make_plugin_manager

HOOKS = [name for name, obj in vars(hookspecs).items() if name.startswith("opalexe_") and inspect.isfunction(obj)]
CORE = Path(opalexe_core.__file__).parent

REQUIRED = {
    "opalexe_case_name_compute",
    "opalexe_case_number_normalize",
    "opalexe_folder_tree_define",
    "opalexe_rights_matrix_amend",
    "opalexe_auth_providers_collect",
    "opalexe_tariff_lines_compute",
    "opalexe_document_deposited",
    "opalexe_expertise_status_changed",
    "opalexe_jurisdictions_collect",
    "opalexe_config_include",
}


def test_the_issue_s_hooks_are_declared():
    assert REQUIRED <= set(HOOKS)


def hooks_the_core_calls() -> dict[str, list[str]]:
    """Every ``<something>.hook.opalexe_<name>`` in the core's code (not its
    test helpers), by hook: a call, or a hook caller handed on to be called
    later (``after_commit(pm.hook.opalexe_expertise_status_changed, …)``).
    Read from the syntax tree, so comments and docstrings do not count."""
    found: dict[str, list[str]] = {}
    for path in sorted(CORE.rglob("*.py")):
        relative = path.relative_to(CORE)
        if relative.parts[0] == "testing":
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if (
                isinstance(node, ast.Attribute)
                and node.attr.startswith("opalexe_")
                and isinstance(node.value, ast.Attribute | ast.Name)
                and getattr(node.value, "attr", getattr(node.value, "id", None)) == "hook"
            ):
                found.setdefault(node.attr, []).append(f"{relative}:{node.lineno}")
    return found


CALLED = hooks_the_core_calls()


@pytest.mark.parametrize("name", HOOKS)
def test_each_hook_says_when_it_is_called_and_what_it_returns(name):
    doc = inspect.getdoc(getattr(hookspecs, name))
    assert doc, f"{name} has no docstring"
    assert re.search(r"\bCalled\b|\bReserved:", doc), f"{name}: say when it is called, or that it is reserved"
    assert ":return:" in doc, f"{name}: say what it returns"


def test_the_caller_scan_finds_calls_and_handed_on_hook_callers():
    assert "opalexe_config_include" in CALLED  # pm.hook.opalexe_config_include(config=…)
    assert "opalexe_expertise_status_changed" in CALLED  # after_commit(pm.hook.…, …)
    assert set(CALLED) <= set(HOOKS), "the core calls a hook hookspecs.py does not declare"


@pytest.mark.parametrize("name", HOOKS)
def test_a_hook_is_marked_reserved_exactly_when_the_core_never_calls_it(name):
    doc = inspect.getdoc(getattr(hookspecs, name))

    if name in CALLED:
        assert "Reserved" not in doc, f"{name} is called ({', '.join(CALLED[name])}): say when, not 'Reserved'"
        assert re.search(r"\bCalled\b", doc), f"{name}: say when it is called"
    else:
        assert "Reserved: declared so plugins can be written against it; no caller yet" in doc, (
            f"nothing in opalexe_core calls {name}: its docstring must say it is reserved"
        )


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
    }
