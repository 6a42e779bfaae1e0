"""The apps' layers as the README's Layout draws them, checked on the source.

Models, selectors and services import downwards only: graph → profiles → publications. Views, the
API, feeds, the admin, URLs, template tags and commands of any app may compose every app. No module
of the apps or of the project package (bzpeer/) imports an app inside a function body (outside
``if TYPE_CHECKING:``) to dodge a cycle.

bzpeer/ names app modules in strings too: the settings (INSTALLED_APPS, the REST framework's
classes, Celery beat's tasks) and the URLs' error handlers. Django, DRF and Celery import those
when they need them, after the apps are loaded; they are settings, not imports, and are not
counted. The WSGI and Celery entry points import no app (Celery finds the apps' tasks modules
itself once Django is set up).
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
APPS = ["publications", "profiles", "graph"]
# The project package: settings, URLs, the API's shared pieces, health and error pages. It may
# import the apps at the top of a module (its URLs compose them), never inside a function.
PROJECT = "bzpeer"
# What each app's layered modules may import (besides themselves).
BELOW = {"publications": set(), "profiles": {"publications"}, "graph": {"publications", "profiles"}}
# Modules that compose apps (the edges of the site), per file name or folder.
COMPOSING_FILES = {"views.py", "actions.py", "digest_views.py", "api.py", "feeds.py", "urls.py"}
COMPOSING_FILES |= {"apps.py", "admin.py", "admin_authors.py", "admin_claims.py"}
COMPOSING_FILES |= {"admin_identity.py"}
COMPOSING_DIRS = {"views", "templatetags", "management", "migrations"}
# Crossings left to move into their right layer: none left, and none may be added.
KNOWN_CROSSINGS: set[tuple[str, str]] = set()


def _modules(packages=APPS):
    for app in packages:
        for path in sorted((ROOT / app).rglob("*.py")):
            yield app, path, path.relative_to(ROOT).as_posix()


def _imported_app(node: ast.AST) -> str | None:
    if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
        return node.module.split(".")[0]
    if isinstance(node, ast.Import):
        return node.names[0].name.split(".")[0]
    # __import__("app.module") and importlib.import_module("app.module") import as well.
    if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
        func = node.func
        called = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
        if called in {"__import__", "import_module"} and isinstance(node.args[0].value, str):
            return node.args[0].value.split(".")[0]
    return None


def _is_type_checking(node: ast.If) -> bool:
    return isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"


def _imports(tree: ast.Module):
    """(imported app, inside a function body) for every import outside TYPE_CHECKING blocks."""

    def walk(node, in_function):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                continue
            if isinstance(child, ast.Import | ast.ImportFrom | ast.Call):
                app = _imported_app(child)
                if app in APPS:
                    yield app, in_function
            yield from walk(
                child,
                in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef),
            )

    yield from walk(tree, False)


def test_models_selectors_and_services_import_downwards_only():
    wrong = set()
    for app, path, name in _modules():
        composing = path.name in COMPOSING_FILES or COMPOSING_DIRS & set(path.parts)
        if composing:
            continue
        for imported, _ in _imports(ast.parse(path.read_text())):
            if imported != app and imported not in BELOW[app]:
                wrong.add((name, imported))
    assert wrong - KNOWN_CROSSINGS == set()
    assert KNOWN_CROSSINGS - wrong == set(), "a crossing was removed: take it off the list"


def test_no_import_of_another_app_hides_in_a_function_body():
    hidden = set()
    scanned = set()
    for app, path, name in _modules([*APPS, PROJECT]):
        if "migrations" in path.parts or path.name == "apps.py":
            continue  # AppConfig.ready() is where Django wants receivers connected
        scanned.add(name)
        for imported, in_function in _imports(ast.parse(path.read_text())):
            if in_function and imported != app:
                hidden.add((name, imported))
    assert {"bzpeer/api.py", "bzpeer/settings.py", "bzpeer/urls.py"} <= scanned
    assert hidden == set()


def test_the_check_sees_imports_hidden_in_function_bodies():
    source = """
from typing import TYPE_CHECKING
import profiles.models
if TYPE_CHECKING:
    from graph.models import ScoreChange
def view():
    from profiles.selectors import has_verified_email
    import publications.selectors
    __import__("graph.tasks")
    importlib.import_module("profiles.logins")
    from django.db import models
class Permission:
    def has_permission(self):
        from profiles import follows
"""
    found = list(_imports(ast.parse(source)))
    assert found == [
        ("profiles", False),
        ("profiles", True),
        ("publications", True),
        ("graph", True),
        ("profiles", True),
        ("profiles", True),
    ]
