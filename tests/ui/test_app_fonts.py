"""Chinese, Japanese and Korean names show real glyphs even without CJK system fonts."""

from __future__ import annotations

from PySide6.QtGui import QFont, QFontDatabase, QRawFont

from tpchart.app import add_shipped_fonts


def test_the_shipped_cjk_font_reaches_qt(qapp):
    add_shipped_fonts()
    assert "WenQuanYi Micro Hei" in QFontDatabase.families()
    raw = QRawFont.fromFont(QFont("WenQuanYi Micro Hei"))
    assert QFontDatabase.WritingSystem.SimplifiedChinese in QFontDatabase.writingSystems(
        "WenQuanYi Micro Hei"
    )
    assert all(raw.supportsCharacter(ord(c)) for c in "王小明佐藤花子")
