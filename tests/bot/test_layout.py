"""The rooms keep their rules: views and the data they render import no I/O (HTTP, databases, listeners)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
IO_LIBRARIES = ("httpx", "aiohttp", "sqlalchemy", "slack_bolt", "slack_sdk.web", "slack_sdk.oauth", "backend")
BOT_IO_MODULES = ("bot.identity", "bot.dashboard", "bot.kilo_client", "bot.store", "bot.app", "bot.replies", "handlers")


def imported_modules(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def within(module: str, packages: tuple[str, ...]) -> bool:
    return any(module == package or module.startswith(package + ".") for package in packages)


def test_shapes_are_plain_data():
    imports = imported_modules(ROOT / "bot" / "shapes.py")
    assert not [m for m in imports if within(m, (*IO_LIBRARIES, "slack_sdk", *BOT_IO_MODULES))]


@pytest.mark.parametrize("view", sorted((ROOT / "bot" / "views").glob("*.py")), ids=lambda path: path.name)
def test_views_depend_on_data_only(view: Path):
    imports = imported_modules(view)
    assert not [m for m in imports if within(m, (*IO_LIBRARIES, *BOT_IO_MODULES))]
