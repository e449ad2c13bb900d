"""klint: an offline, pre-deploy Kubernetes manifest linter for runtime security."""

from typing import Any


def __getattr__(name: str) -> Any:
    """`__version__`, read from the installed distribution when first asked for: importing
    importlib.metadata costs more than a small lint, which never needs it."""
    if name != "__version__":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version

    try:
        found = version("klint")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree that is not installed
        found = "0.0.0"
    globals()["__version__"] = found  # asked once
    return found
