"""Markers of the container tests."""

from __future__ import annotations


def pytest_configure(config) -> None:
    config.addinivalue_line(
        "markers", "slow: builds or runs something for minutes (the desktop image); opt-in by environment"
    )
