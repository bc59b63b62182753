"""Replies from the accessibility bus decoded: GetState's bit words as state numbers."""

from __future__ import annotations

from envs.server import a11y_bus


def test_state_bits_come_out_as_numbers_in_order():
    assert a11y_bus.set_bits([0b1010, (1 << 31) | 1]) == [1, 3, 32, 63]
    assert a11y_bus.set_bits(None) == []
