"""The private Textual names the engine uses are listed, still there, and used nowhere else
(the rule is in tui_chat/ui/render/private_names.py)."""

from __future__ import annotations

import ast
import importlib
import inspect
import textwrap
from functools import cache
from pathlib import Path
from types import ModuleType

import pytest
import textual
import textual_image

from tui_chat.ui.render.private_names import PRIVATE_NAMES, PrivateName, private_attribute_names

ROOT = Path(__file__).resolve().parent.parent
RENDER = ROOT / "tui_chat" / "ui" / "render"
SCANNED = [ROOT / "tui_chat", ROOT / "tests"]
ATTRIBUTE_CALLS = {"getattr", "setattr", "hasattr", "delattr"}


def resolve(dotted: str) -> object:
    """The module, or the object inside the longest importable module, at `dotted`."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            found: object = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for part in parts[cut:]:
            found = getattr(found, part)
        return found
    raise ImportError(dotted)


def assigned_on_self(cls: type, name: str) -> bool:
    """Whether a Textual class in `cls`'s MRO assigns `self.<name>` in its source."""
    for klass in cls.__mro__:
        if not klass.__module__.startswith("textual"):
            continue
        try:
            tree = ast.parse(inspect.getsource(klass).lstrip())
        except (OSError, TypeError, SyntaxError):
            continue
        for node in ast.walk(tree):
            targets: list[ast.expr] = []
            if isinstance(node, ast.Assign):
                targets = list(node.targets)
            elif isinstance(node, ast.AnnAssign | ast.AugAssign):
                targets = [node.target]
            for target in targets:
                for part in ast.walk(target):
                    if (
                        isinstance(part, ast.Attribute)
                        and part.attr == name
                        and isinstance(part.value, ast.Name)
                        and part.value.id == "self"
                    ):
                        return True
    return False


@pytest.mark.parametrize("entry", PRIVATE_NAMES, ids=lambda e: f"{e.owner}.{e.name}")
def test_each_private_name_still_has_its_shape(entry: PrivateName) -> None:
    owner = resolve(entry.owner)
    if entry.kind == "module":
        assert isinstance(owner, ModuleType)
        assert isinstance(importlib.import_module(f"{entry.owner}.{entry.name}"), ModuleType)
        return
    if entry.kind == "class":
        assert inspect.isclass(getattr(owner, entry.name, None)), "no such class"
        return
    if entry.kind == "function":  # a module global we replace: Textual's, behind ours
        assert isinstance(owner, ModuleType), f"{entry.owner} is not a module"
        current = getattr(owner, entry.name, None)
        assert callable(current), f"{entry.owner} has no function {entry.name}"
        original = inspect.unwrap(current)
        assert not original.__module__.startswith("tui_chat"), original
        for function in (original, current):
            parameters = tuple(inspect.signature(function, follow_wrapped=False).parameters)
            assert parameters == entry.params, f"{function.__module__}.{entry.name}{parameters}"
        return
    assert inspect.isclass(owner), f"{entry.owner} is not a class"
    if entry.kind == "attribute":
        assert hasattr(owner, entry.name) or assigned_on_self(owner, entry.name), (
            f"{entry.owner} has no attribute {entry.name}"
        )
        return
    method = inspect.getattr_static(owner, entry.name, None)
    assert callable(method), f"{entry.owner} has no method {entry.name}"
    parameters = list(inspect.signature(method).parameters)[1:]
    assert tuple(parameters) == entry.params, f"{entry.name}{tuple(parameters)}"


def test_the_list_has_each_name_once() -> None:
    keys = [(entry.owner, entry.name) for entry in PRIVATE_NAMES]
    assert len(keys) == len(set(keys))
    assert all(entry.why and entry.used_in for entry in PRIVATE_NAMES)


def test_the_virtual_size_reactive_is_a_reactive() -> None:
    """lean_screen turns `_layout`/`_repaint` off on this very object."""
    from textual.reactive import Reactive
    from textual.widget import Widget

    assert isinstance(vars(Widget)["virtual_size"], Reactive)


def python_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.py") if ".venv" not in p.parts)


def outside_render() -> list[Path]:
    return [
        path
        for root in SCANNED
        for path in python_files(root)
        if RENDER not in path.parents
    ]


def defined_names(tree: ast.AST) -> set[str]:
    """Underscore names a module defines for itself: functions, classes, attributes it
    sets on `self` or `cls`, names assigned in a class body or at module level (not an
    attribute it sets on another object: `node._bindings = ...` uses Textual's)."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif (
            isinstance(node, ast.Attribute)
            and isinstance(node.ctx, ast.Store)
            and isinstance(node.value, ast.Name)
            and node.value.id in ("self", "cls")
        ):
            names.add(node.attr)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
    return {name for name in names if name.startswith("_") and not name.startswith("__")}


def imports_textual(tree: ast.AST) -> bool:
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "textual":
            return True
        if isinstance(node, ast.Import) and any(
            alias.name.split(".")[0] == "textual" for alias in node.names
        ):
            return True
    return False


QUARANTINED = ("textual", "textual_image")
"""Packages whose private names stay in the render folder (textual-image's too: its
import-time terminal queries are handled in ui/render/image_backend)."""


@cache
def textual_private_names() -> frozenset[str]:
    """Underscore names Textual (and textual-image) define anywhere in their packages."""
    names: set[str] = set()
    for package in (textual, textual_image):
        for path in sorted(Path(package.__file__).parent.rglob("*.py")):
            names |= defined_names(ast.parse(path.read_text(encoding="utf-8")))
    return frozenset(names)


def is_private_textual_module(module: str) -> bool:
    parts = module.split(".")
    return parts[0] in QUARANTINED and any(part.startswith("_") for part in parts[1:])


def violations(
    path: Path, forbidden: frozenset[str], methods: frozenset[str], root: Path = ROOT
) -> list[str]:
    """Where `path` imports a private Textual module, uses a `forbidden` name or overrides
    one of `methods` (each "file:line: what")."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    where = path.relative_to(root)
    if not imports_textual(tree):  # its own names only (config/lines.py's `_headers`)
        forbidden = forbidden - defined_names(tree)
    found: list[str] = []
    for node in ast.walk(tree):
        line = getattr(node, "lineno", 0)
        if isinstance(node, ast.ImportFrom) and node.module:
            modules = [node.module]
            if node.module == "textual":
                modules += [f"textual.{alias.name}" for alias in node.names]
            if any(is_private_textual_module(module) for module in modules):
                found.append(f"{where}:{line}: import from {node.module}")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if is_private_textual_module(alias.name):
                    found.append(f"{where}:{line}: import {alias.name}")
        elif isinstance(node, ast.Attribute) and node.attr in forbidden:
            found.append(f"{where}:{line}: .{node.attr}")
        elif isinstance(node, ast.Call):
            func = node.func
            called = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            if called in ATTRIBUTE_CALLS:
                for argument in node.args[1:2]:
                    if isinstance(argument, ast.Constant) and argument.value in forbidden:
                        found.append(f"{where}:{line}: {called}(..., {argument.value!r})")
        elif isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef) and (
                    item.name in methods
                ):
                    found.append(f"{where}:{item.lineno}: overrides {item.name}")
    return found


def test_no_private_textual_name_outside_the_render_folder() -> None:
    files = outside_render()
    ours: set[str] = set()
    for path in files:
        ours |= defined_names(ast.parse(path.read_text(encoding="utf-8")))
    listed = private_attribute_names()
    forbidden = listed | (textual_private_names() - ours)
    methods = frozenset(e.name for e in PRIVATE_NAMES if e.kind == "method")
    found = [v for path in files for v in violations(path, forbidden, methods)]
    assert not found, "use tui_chat/ui/render (see private_names.py):\n" + "\n".join(found)


def test_the_scan_catches_what_it_should(tmp_path: Path) -> None:
    """The rule on a sample: private modules, listed names (as an attribute, in getattr,
    overridden) and an unlisted Textual name; our own underscore names pass."""
    sample = tmp_path / "sample.py"
    sample.write_text(
        "from textual._compositor import Compositor\n"
        "import textual.widgets._markdown\n"
        "from textual_image._terminal import get_cell_size\n"
        "def f(app, screen, node):\n"
        "    node._merged_bindings\n"
        "    getattr(screen, '_compositor')\n"
        "    return app._notifications\n"
        "class X:\n"
        "    def _refresh_layout(self, size=None, scroll=False): ...\n"
        "    def _mine(self): return self._mine\n",
        encoding="utf-8",
    )
    forbidden = private_attribute_names() | {"_notifications"}
    methods = frozenset(e.name for e in PRIVATE_NAMES if e.kind == "method")
    found = violations(sample, forbidden, methods, root=tmp_path)
    assert sorted(v.split(": ", 1)[1] for v in found) == sorted(
        [
            "import from textual._compositor",
            "import textual.widgets._markdown",
            "import from textual_image._terminal",
            "._merged_bindings",
            "getattr(..., '_compositor')",
            "._notifications",
            "overrides _refresh_layout",
        ]
    )


def ui_modules_outside_render() -> list[str]:
    """Dotted names of the tui_chat modules outside the render folder."""
    package = ROOT / "tui_chat"
    return [
        ".".join(path.relative_to(ROOT).with_suffix("").parts)
        for path in python_files(package)
        if RENDER not in path.parents and path.name != "__main__.py"
    ]


def class_body_names(cls: type) -> set[str]:
    """Underscore names `cls`'s own body defines (Textual adds some to every subclass)."""
    body = ast.parse(textwrap.dedent(inspect.getsource(cls))).body[0]
    assert isinstance(body, ast.ClassDef)
    names: set[str] = set()
    for item in body.body:
        if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
            names.add(item.name)
        elif isinstance(item, ast.Assign):
            names |= {t.id for t in item.targets if isinstance(t, ast.Name)}
        elif isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
            names.add(item.target.id)
    return {name for name in names if name.startswith("_") and not name.startswith("__")}


def test_no_class_outside_the_render_folder_overrides_a_private_textual_name() -> None:
    """A widget, screen or app class outside ui/render defines no underscore name that a
    Textual class it derives from has (say `_on_key`: use `on_key`, which Textual calls
    first, then its own handler unless the default is prevented)."""
    found: list[str] = []
    for module_name in ui_modules_outside_render():
        module = importlib.import_module(module_name)
        for cls in vars(module).values():
            if not inspect.isclass(cls) or cls.__module__ != module_name:
                continue
            textual_bases = [k for k in cls.__mro__ if k.__module__.split(".")[0] == "textual"]
            for name in class_body_names(cls):
                if any(name in vars(base) for base in textual_bases):
                    found.append(f"{module_name}.{cls.__name__}.{name}")
    assert not found, "overrides of Textual's private names:\n" + "\n".join(found)


def render_sources() -> dict[Path, ast.AST]:
    return {path: ast.parse(path.read_text(encoding="utf-8")) for path in python_files(RENDER)}


def test_the_list_is_complete_and_current() -> None:
    """Every Textual underscore name the render folder touches (an attribute, a method it
    overrides, a private module or a class imported from one) is listed, and every listed
    name is still used there, so the list does not go stale either way."""
    sources = render_sources()
    own: set[str] = set()
    for tree in sources.values():
        own |= defined_names(tree)
    textual_names = textual_private_names()
    used: set[str] = set()
    named: set[str] = set()
    for tree in sources.values():
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute):
                used.add(node.attr)
            elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                used.add(node.name)
            elif isinstance(node, ast.ImportFrom) and is_private_textual_module(node.module or ""):
                module = (node.module or "").rpartition(".")[2]
                used |= {module, *(f"{node.module}.{alias.name}" for alias in node.names)}
            elif isinstance(node, ast.Import):
                used |= {
                    alias.name.rpartition(".")[2]
                    for alias in node.names
                    if is_private_textual_module(alias.name)
                }
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                named.add(node.value)  # a global replaced by name (setattr(module, "name"))
    listed = {entry.name for entry in PRIVATE_NAMES if entry.kind in ("method", "attribute")}
    # Our own names that Textual happens to use too (a Fold's `hidden`, say) are ours
    # where no Textual class we derive from has them; the listed ones are Textual's.
    unlisted = {
        name
        for name in used
        if name.startswith("_")
        and not name.startswith("__")
        and name in textual_names
        and (name not in own or name in listed)
    } - listed
    listed_modules = {entry.name for entry in PRIVATE_NAMES if entry.kind == "module"}
    unlisted -= listed_modules
    assert not unlisted, f"add to private_names.py: {sorted(unlisted)}"
    listed_classes = {
        f"{entry.owner}.{entry.name}" for entry in PRIVATE_NAMES if entry.kind == "class"
    }
    imported = {name for name in used if "." in name}
    assert imported - listed_classes <= {
        f"textual._compositor.{n}" for n in ("Compositor", "CompositorMap", "ReflowResult")
    }, sorted(imported - listed_classes)
    relied_on = {entry.name for entry in PRIVATE_NAMES if entry.relied_on}
    stale = {name for name in listed - relied_on if name.startswith("_") and name not in used}
    stale |= listed_modules - relied_on - used
    stale |= {
        f"{entry.owner}.{entry.name}"
        for entry in PRIVATE_NAMES
        if entry.kind == "class" and not entry.relied_on
    } - imported
    stale |= {
        f"{entry.owner}.{entry.name}"
        for entry in PRIVATE_NAMES
        if entry.kind == "function" and entry.name not in used | named
    }
    assert not stale, f"listed but not used: {sorted(stale)}"


def replaced_functions() -> set[tuple[str, str]]:
    """(module, name) of every module-level function of Textual the render folder replaces
    (`module.name = ...`, or a `(module, "name", ...)` tuple of a hooks table, where the
    module is Textual's and `name` is a function in it). A class put in a public module's
    place (the probes' capturing driver) is a public name: not counted."""
    replaced: set[tuple[str, str]] = set()
    for tree in render_sources().values():
        aliases: dict[str, str] = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.split(".")[0] == "textual":
                        aliases[alias.asname or alias.name] = alias.name
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.ctx, ast.Store)
                and ast.unparse(node.value) in aliases
            ):
                replaced.add((aliases[ast.unparse(node.value)], node.attr))
            elif isinstance(node, ast.Tuple):  # the hooks' table: (module, "name", ...)
                elts = node.elts
                if (
                    len(elts) >= 2
                    and ast.unparse(elts[0]) in aliases
                    and isinstance(elts[1], ast.Constant)
                    and isinstance(elts[1].value, str)
                ):
                    replaced.add((aliases[ast.unparse(elts[0])], elts[1].value))
    return {
        (module, name)
        for module, name in replaced
        if inspect.isfunction(inspect.unwrap(getattr(importlib.import_module(module), name)))
    }


def test_every_replaced_textual_function_is_listed() -> None:
    """A module global of Textual that the render folder replaces is listed (kind
    "function"), so the shape test checks it against each new release."""
    listed = {(entry.owner, entry.name) for entry in PRIVATE_NAMES if entry.kind == "function"}
    replaced = replaced_functions()
    assert replaced, "the scan found none: line_breaks replaces two"
    assert replaced <= listed, sorted(replaced - listed)
