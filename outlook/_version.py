"""The package version, read by hatchling and outlook.__version__."""

__version__ = "0.1.0"
