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
    # root/sub/d.yaml is left out: it is the same file as root/link-in.yaml, found first
    assert found("root") == [
        "root/a.yaml", "root/b.yml", "root/c.json", "root/link-in.yaml",
        "root/sub/deeper/e.yml", "root/sub/vendor/i.yaml", "root/vendor/h.yaml",
    ]


def test_suffixes_in_any_case(tree: Path) -> None:
    for name in ["A.YAML", "b.Yml", "c.JSON", "d.YAML.txt"]:
        (tree / "upper" / name).parent.mkdir(exist_ok=True)
        (tree / "upper" / name).write_text("{}")
    assert found("root/upper") == ["root/upper/A.YAML", "root/upper/b.Yml", "root/upper/c.JSON"]


def test_symbolic_links_are_not_followed_out_of_the_root(tree: Path) -> None:
    listed = found(str(tree))
    assert not any("link-out" in path or "link-dir" in path or "outside" in path for path in listed)
    # the directory given may itself be a link
    os.symlink(tree, tree.parent / "alias")
    assert found("alias") == [path.replace("root/", "alias/", 1) for path in found("root")]


def test_each_real_file_once_under_its_first_name(tree: Path) -> None:
    assert found("root/sub", "root")[:1] == ["root/sub/d.yaml"]
    assert "root/link-in.yaml" not in found("root/sub", "root")
    assert "root/link-in.yaml" not in found("root/link-in.yaml", "root")[1:]
    assert "root/sub/d.yaml" not in found("root/link-in.yaml", "root")


def test_files_named_explicitly_are_always_linted(tree: Path) -> None:
    assert found("root/notes.txt", "root/.hidden.yaml", "root/a.yaml", "root/a.yaml") == [
        "root/notes.txt", "root/.hidden.yaml", "root/a.yaml"]
    # even under a second name of a file already found
    assert found("root", "root/sub/d.yaml")[-1] == "root/sub/d.yaml"
    # and so is a missing one: the engine reports that it cannot be read
    assert found("root/missing.yaml") == ["root/missing.yaml"]
    assert found("-") == ["-"]


def test_each_file_once_in_a_stable_order(tree: Path) -> None:
    assert found("root/sub", "root", "root/sub/d.yaml")[:3] == [
        "root/sub/d.yaml", "root/sub/deeper/e.yml", "root/sub/vendor/i.yaml"]
    listed = found("root/sub", "root")
    assert len(listed) == len(set(listed)) == len(found("root"))


@pytest.mark.parametrize(("patterns", "excluded"), [
    (("vendor",), ["root/sub/vendor/i.yaml", "root/vendor/h.yaml"]),
    (("*.json", "*.yml"), ["root/b.yml", "root/c.json", "root/sub/deeper/e.yml"]),
    (("*.JSON",), []),  # globs are case-sensitive, as in .gitignore
    (("root/sub/*",), ["root/sub/deeper/e.yml", "root/sub/vendor/i.yaml"]),
    (("./root/sub/deeper/",), ["root/sub/deeper/e.yml"]),
    (("root/sub",), ["root/sub/deeper/e.yml", "root/sub/vendor/i.yaml"]),
    # relative to the directory given
    (("sub/deeper/*.yml",), ["root/sub/deeper/e.yml"]),
    (("sub/*/*.yaml",), ["root/sub/vendor/i.yaml"]),
    (("sub",), ["root/sub/deeper/e.yml", "root/sub/vendor/i.yaml"]),
    (("deeper/e.yml",), []),  # a pattern with / is anchored: at the root given, not at any depth
])
def test_exclude_globs(tree: Path, patterns: tuple[str, ...], excluded: list[str]) -> None:
    everything = found("root")
    assert found("root", exclude=patterns) == [path for path in everything if path not in excluded]


def test_exclude_a_link_lints_its_target_under_its_own_name(tree: Path) -> None:
    assert "root/sub/d.yaml" in found("root", exclude=("link-in.yaml",))


def test_exclude_relative_to_the_directory_given_however_it_is_named(tree: Path) -> None:
    for given in ["root", "root/", "./root", str(tree)]:
        listed = found(given, exclude=("sub/vendor/*.yaml",))
        assert len(listed) == len(found("root")) - 1
        assert not any(path.endswith("sub/vendor/i.yaml") for path in listed)
    # and the path as given
    assert found("./root", exclude=("root/vendor",)) == [
        path.replace("root/", "./root/", 1) for path in found("root") if path != "root/vendor/h.yaml"]


def test_unreadable_directories_are_reported_in_their_place(tree: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    locked = tree / "sub" / "locked"
    locked.mkdir()
    (locked / "x.yaml").write_text("{}")
    scandir = os.scandir

    def failing_scandir(path: str) -> object:  # what a directory without read permission does
        if os.path.realpath(path) == str(locked.resolve()):
            raise PermissionError(13, "Permission denied", path)
        return scandir(path)

    monkeypatch.setattr(os, "scandir", failing_scandir)
    listed: list[str] = []
    for path in discover(["root"], on_error=lambda err: listed.append(f"error: {err.filename}")):
        listed.append(path)
    assert [path.replace(os.sep, "/") for path in listed] == [
        "root/a.yaml", "root/b.yml", "root/c.json", "root/link-in.yaml", "root/sub/deeper/e.yml",
        "error: root/sub/locked", "root/sub/vendor/i.yaml", "root/vendor/h.yaml"]
    with pytest.raises(PermissionError):  # by default the error is raised, never swallowed
        found("root")


def test_exclude_applies_to_files_named_explicitly(tree: Path) -> None:
    assert found("root/a.yaml", "root/c.json", exclude=("*.json",)) == ["root/a.yaml"]


def test_is_excluded() -> None:
    assert is_excluded("charts/app/tests/pod.yaml", ["tests"])
    assert is_excluded("charts/app/tests/pod.yaml", ["charts/*/tests/*"])
    assert is_excluded("./x/y.yaml", ["x/*.yaml"])
    assert not is_excluded("charts/app/tests/pod.yaml", ["test"])
    assert not is_excluded("charts/app/pod.yaml", ["app/*.yaml"])  # a pattern with / is anchored
    assert is_excluded("charts/app/pod.yaml", ["app/*.yaml"], root="charts")  # at the directory given
    assert is_excluded("/abs/charts/app/pod.yaml", ["app/*.yaml"], root="/abs/charts")
    assert is_excluded("charts/app/pod.yaml", ["charts/app"])  # a directory excludes its files


def test_a_pattern_without_slash_ignores_the_directories_above_the_root() -> None:
    """A checkout that happens to live in a directory named `test` is not excluded by `test`."""
    assert not is_excluded("/ci/test/repo/deploy/pod.yaml", ["test"], root="/ci/test/repo")
    assert is_excluded("/ci/test/repo/deploy/test/pod.yaml", ["test"], root="/ci/test/repo")
    assert is_excluded("test/pod.yaml", ["test"])  # a file named on the command line: its path as given


def test_a_file_named_twice_under_two_spellings_is_linted_once(tree: Path) -> None:
    assert found("root/a.yaml", "./root/a.yaml", "root/sub/../a.yaml") == ["root/a.yaml"]


def test_pipes_met_while_walking_are_skipped_but_a_named_one_is_read(tree: Path) -> None:
    """A FIFO under a directory would block the run; named on the command line (`<(helm template …)`)
    it is an input like any other."""
    os.mkfifo(tree / "fifo.yaml")
    assert "root/fifo.yaml" not in found("root")
    assert found("root/fifo.yaml") == ["root/fifo.yaml"]


def test_a_root_named_through_a_link_finds_the_same_files(tree: Path) -> None:
    # the files' real paths are their directories': a link inside and its target are still one file
    os.symlink(tree, tree.parent / "alias")
    assert found("alias") == [path.replace("root/", "alias/", 1) for path in found("root")]
    assert found("alias", "root") == found("alias")
