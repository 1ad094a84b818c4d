"""The session list tells Qt its rows are of one height only when they are: every
caption fits on one line (`SessionList._size_rows`, issue 19's open-a-patient)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from PySide6.QtGui import QFont

from tpchart.core.session import Session
from tpchart.ui.session_list import SessionList


def sessions(count: int) -> list[Session]:
    """Newest first, with and without pain scores, as a patient's list shows them."""
    start = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
    return [
        Session(
            patient_id=1,
            practitioner_id=1,
            started_at=start + timedelta(days=7 * n),
            pain_before=None if n % 3 == 0 else 7,
            pain_after=None if n % 2 else 3,
            id=n + 1,
        )
        for n in reversed(range(count))
    ]


def heights(listed: SessionList) -> list[int]:
    return [listed.visualItemRect(listed.item(row)).height() for row in range(listed.count())]


@pytest.fixture
def listed(qtbot) -> SessionList:
    widget = SessionList()
    qtbot.addWidget(widget)
    widget.resize(300, 400)
    widget.show()
    qtbot.waitExposed(widget)
    widget.show_sessions(sessions(40), None)
    return widget


# The app's font, and one whose captions Qt lays out 1 px wider than their advance.
@pytest.mark.parametrize("family", ["", "Liberation Sans", "DejaVu Serif"])
def test_rows_are_as_tall_as_qt_measures_each_at_every_width(listed, family):
    if family:
        listed.setFont(QFont(family, 11))
    uniform_seen = set()
    for width in range(150, 460):
        listed.resize(width, 400)
        listed.doItemsLayout()
        chosen, uniform = heights(listed), listed.uniformItemSizes()
        uniform_seen.add(uniform)
        listed.setUniformItemSizes(False)
        listed.doItemsLayout()
        assert chosen == heights(listed), f"{width} px wide"
        listed.setUniformItemSizes(uniform)
    # Wide, every caption on one line: one height, measured once; narrow, each row's own.
    assert uniform_seen == {True, False}


def test_a_caption_rewritten_longer_makes_each_row_measured_again(qtbot):
    listed = SessionList()
    qtbot.addWidget(listed)
    unscored = [replace(s, pain_before=None, pain_after=None) for s in sessions(20)]
    listed.show_sessions(unscored, None)
    # As wide as an unscored caption needs, too narrow for one with pain scores.
    margin = 2 * 3 + 2 + listed.width() - listed.viewport().width()
    listed.resize(listed._widest + margin + 30, 300)
    listed.show()
    qtbot.waitExposed(listed)
    assert listed.uniformItemSizes()
    listed.update_caption(replace(unscored[0], pain_before=7, pain_after=3))
    assert not listed.uniformItemSizes()
    listed.doItemsLayout()
    assert heights(listed)[0] > heights(listed)[1]
