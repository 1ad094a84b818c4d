"""Whether text can be read: the WCAG contrast ratio of two colours, measured by the
tests independently of how the app picks its colours."""

from __future__ import annotations

from PySide6.QtGui import QColor


def contrast(first: QColor, second: QColor) -> float:
    """The contrast ratio of two colours, from 1 (none) to 21 (black on white)."""

    def luminance(colour: QColor) -> float:
        def channel(c: float) -> float:
            return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

        return (0.2126 * channel(colour.redF()) + 0.7152 * channel(colour.greenF())
                + 0.0722 * channel(colour.blueF()))  # fmt: skip

    high, low = sorted((luminance(first), luminance(second)), reverse=True)
    return (high + 0.05) / (low + 0.05)
