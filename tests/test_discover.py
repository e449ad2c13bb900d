"""Which files are linted: directories walked for .yaml/.yml/.json, hidden directories skipped, symbolic
links never followed out of the directory given, --exclude globs."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from klint.discover import discover, is_excluded


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """root/ with manifests, other files, hidden directories and symbolic links in and out of it."""
    root = tmp_path / "root"
    outside = tmp_path / "outside"
    for path in [
        "root/a.yaml", "root/b.yml", "root/c.json", "root/notes.txt", "root/Chart.lock", "root/.hidden.yaml",
        "root/sub/d.yaml", "root/sub/deeper/e.yml", "root/.git/f.yaml", "root/sub/.cache/g.yaml",
        "root/vendor/h.yaml", "root/sub/vendor/i.yaml", "outside/secret.yaml", "outside/dir/j.yaml",
    ]:
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text("apiVersion: v1\nkind: ConfigMap\n")
    os.symlink(outside / "secret.yaml", root / "link-out.yaml")  # a file link leaving the root
    os.symlink(outside / "dir", root / "link-dir-out")  # a directory link leaving the root
    os.symlink(root / "sub" / "d.yaml", root / "link-in.yaml")  # a file link staying inside
    os.symlink(root / "sub", root / "link-dir-in")  # a directory link: never walked
    monkeypatch.chdir(tmp_path)
    return root


def found(*paths: str, exclude: tuple[str, ...] = ()) -> list[str]:
    return [path.replace(os.sep, "/") for path in discover(paths, exclude)]


def test_directories_are_walked_for_manifests(tree: Path) -> None:
    assert found("root") == [
        "root/a.yaml", "root/b.yml", "root/c.json", "root/link-in.yaml",
        "root/sub/d.yaml", "root/sub/deeper/e.yml", "root/sub/vendor/i.yaml", "root/vendor/h.yaml",
    ]


def test_symbolic_links_are_not_followed_out_of_the_root(tree: Path) -> None:
    listed = found(str(tree))
    assert not any("link-out" in path or "link-dir" in path or "outside" in path for path in listed)
    # the directory given may itself be a link
    os.symlink(tree, tree.parent / "alias")
    assert found("alias") == [path.replace("root/", "alias/", 1) for path in found("root")]


def test_files_named_explicitly_are_always_linted(tree: Path) -> None:
    assert found("root/notes.txt", "root/.hidden.yaml", "root/a.yaml", "root/a.yaml") == [
        "root/notes.txt", "root/.hidden.yaml", "root/a.yaml"]
    # and so is a missing one: the engine reports that it cannot be read
    assert found("root/missing.yaml") == ["root/missing.yaml"]
    assert found("-") == ["-"]


def test_each_file_once_in_a_stable_order(tree: Path) -> None:
    assert found("root/sub", "root", "root/sub/d.yaml")[:3] == [
        "root/sub/d.yaml", "root/sub/deeper/e.yml", "root/sub/vendor/i.yaml"]
    listed = found("root/sub", "root")
    assert len(listed) == len(set(listed)) == len(found("root"))


@pytest.mark.parametrize(("patterns", "expected"), [
    (("vendor",), ["root/a.yaml", "root/b.yml", "root/c.json", "root/link-in.yaml", "root/sub/d.yaml",
                   "root/sub/deeper/e.yml"]),
    (("*.json", "*.yml"), ["root/a.yaml", "root/link-in.yaml", "root/sub/d.yaml", "root/sub/vendor/i.yaml",
                           "root/vendor/h.yaml"]),
    (("root/sub/*",), ["root/a.yaml", "root/b.yml", "root/c.json", "root/link-in.yaml",
                        "root/vendor/h.yaml"]),
    (("./root/sub/deeper/",), ["root/a.yaml", "root/b.yml", "root/c.json", "root/link-in.yaml",
                               "root/sub/d.yaml", "root/sub/vendor/i.yaml", "root/vendor/h.yaml"]),
    (("sub/d.yaml",), ["root/a.yaml", "root/b.yml", "root/c.json", "root/link-in.yaml", "root/sub/d.yaml",
                       "root/sub/deeper/e.yml", "root/sub/vendor/i.yaml", "root/vendor/h.yaml"]),
])
def test_exclude_globs(tree: Path, patterns: tuple[str, ...], expected: list[str]) -> None:
    assert found("root", exclude=patterns) == expected


def test_exclude_applies_to_files_named_explicitly(tree: Path) -> None:
    assert found("root/a.yaml", "root/c.json", exclude=("*.json",)) == ["root/a.yaml"]


def test_is_excluded() -> None:
    assert is_excluded("charts/app/tests/pod.yaml", ["tests"])
    assert is_excluded("charts/app/tests/pod.yaml", ["charts/*/tests/*"])
    assert is_excluded("./x/y.yaml", ["x/*.yaml"])
    assert not is_excluded("charts/app/tests/pod.yaml", ["test"])
    assert not is_excluded("charts/app/pod.yaml", ["app/*.yaml"])  # a pattern with / matches the whole path
