"""How a scalar value is written as cell text, the same way by the reader and the writers."""

from __future__ import annotations


def scalar_text(value: object) -> str:
    """Text for booleans and numbers shared by the reader and the writers (12345.0 -> "12345")."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
