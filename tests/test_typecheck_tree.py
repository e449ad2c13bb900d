"""The tree of links mypy reads (.ci/typecheck, see pyproject.toml) mirrors the import names: every
module of every package pyproject.toml lists is there under its import name, as the file Python imports."""

from __future__ import annotations

import importlib.util
import pkgutil
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TREE = ROOT / ".ci" / "typecheck"


def imported_files() -> dict[str, Path]:
    """Each module's import name and the file Python imports it from."""
    packages = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]
    files = {}
    for package in packages:
        spec = importlib.util.find_spec(package)
        assert spec is not None and spec.origin is not None and spec.submodule_search_locations
        files[package] = Path(spec.origin)
        folder = spec.submodule_search_locations[0]
        for module in pkgutil.iter_modules([folder]):
            if not module.ispkg:
                files[f"{package}.{module.name}"] = Path(folder, f"{module.name}.py")
    return files


def test_every_module_is_linked_under_its_import_name() -> None:
    files = imported_files()
    assert {"klint", "klint.engine", "klint.rules", "klint.rules.host", "klint.reporters.sarif"} <= set(files)
    for name, file in files.items():
        linked = TREE.joinpath(*name.split("."))
        linked = linked / "__init__.py" if file.name == "__init__.py" else linked.with_suffix(".py")
        assert linked.resolve() == file.resolve(), f"{name}: link {linked.relative_to(ROOT)} to {file}"


def test_every_link_resolves() -> None:
    for link in TREE.rglob("*"):
        assert link.exists(), f"{link.relative_to(ROOT)} points nowhere"
