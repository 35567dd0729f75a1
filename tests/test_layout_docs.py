"""The README's layout lists the folders that exist, and every top-level package is in it."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def listed_folders() -> list[str]:
    readme = (ROOT / "README.md").read_text()
    layout = readme.split("## Layout", 1)[1].split("```", 2)[1]
    return re.findall(r"^([a-z_/]+/)\s", layout, flags=re.MULTILINE)


def test_every_folder_in_the_readme_layout_exists():
    folders = listed_folders()
    assert folders and [folder for folder in folders if not (ROOT / folder).is_dir()] == []


def test_every_python_package_is_in_the_readme_layout():
    packages = {path.parent.name + "/" for path in ROOT.glob("*/__init__.py")}
    assert packages - set(listed_folders()) == set()
