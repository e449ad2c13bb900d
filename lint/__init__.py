"""klint: an offline, pre-deploy Kubernetes manifest linter for runtime security."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("klint")
except PackageNotFoundError:  # pragma: no cover - running from a source tree that is not installed
    __version__ = "0.0.0"
