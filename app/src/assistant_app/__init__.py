"""Personal Assistant reference application."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("assistant-app")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0"
