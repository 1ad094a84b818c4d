"""The strip above the chart: who, which session, and what must stay in sight.

It sits above the whole chart, so its height must never change while the doctor
works: a banner appearing here would push the map down under the mouse (issue 14,
finding 10). It keeps three lines whatever it shows: the patient, the session, and
two lines of fixed height for red flags and precautions (`notices.NoticeStrip`). Long
names and complaints are cut with "…" (the whole text is the tooltip) instead of
widening the centre column (finding 3).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from PySide6.QtCore import QPointF, QSize, Qt
from PySide6.QtGui import QAction, QFont, QFontMetricsF, QGuiApplication, QPainter
from PySide6.QtWidgets import QSizePolicy, QVBoxLayout, QWidget

from tpchart.core.patient import Patient
from tpchart.core.precaution_sites import PrecautionSite
from tpchart.core.screening import Precaution, RedFlagDecision
from tpchart.core.session import Session, SessionStatus
from tpchart.ui.notices import NoticeStrip, escape
from tpchart.ui.red_flag_decision import red_flag_line
from tpchart.ui.style import CAUTION, INFO, WARNING

# A run of text on a header line: the text, bold or not, and its size against the font.
Run = tuple[str, bool, float]
NAME_SIZE = 1.25  # the patient's name, a little larger than the rest


def precautions_text(
    precautions: Iterable[Precaution], sites: Iterable[PrecautionSite] = ()
) -> str:
    """The precautions in one line, each with its site where one is recorded
    (`PrecautionSite.text`), so the header names the arm not to needle."""
    sites = tuple(sites)
    parts = []
    for precaution in sorted(precautions):
        mine = [s for s in sites if s.precaution is precaution]
        parts += [s.text for s in mine] if mine else [precaution.label]
    return ", ".join(parts)


def status_text(session: Session) -> str:
    """A session's status in words."""
    if session.status is SessionStatus.SIGNED:
        return f"signed (version {session.version})" if session.version > 1 else "signed"
    if session.status is SessionStatus.AMENDING:
        return f"amending — version {session.version}, not yet signed"
    return "draft — not signed"


class HeaderLine(QWidget):
    """One line of runs of text (the name larger and bold, say), cut with "…" where the
    width ends. It asks for almost no width, so a long name never widens the window;
    the whole line is its tooltip and can be copied from its context menu."""

    def __init__(self, object_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(object_name)
        self._runs: list[Run] = []
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        copy = QAction("Copy", self)
        copy.triggered.connect(lambda: QGuiApplication.clipboard().setText(self.text()))
        self.addAction(copy)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)

    def set_runs(self, runs: list[Run]) -> None:
        """Show ``runs`` (text, bold, relative size) one after the other."""
        self._runs = runs
        self.setToolTip(escape(self.text()))
        self.setAccessibleName(self.text())
        self.updateGeometry()
        self.update()

    def text(self) -> str:
        """The whole line, as plain text."""
        return "".join(text for text, _, _ in self._runs)

    def _font(self, bold: bool, size: float) -> QFont:
        font = QFont(self.font())
        font.setBold(bold)
        if size != 1.0:
            if font.pointSizeF() > 0:
                font.setPointSizeF(font.pointSizeF() * size)
            else:
                font.setPixelSize(round(font.pixelSize() * size))
        return font

    def sizeHint(self) -> QSize:
        width = sum(QFontMetricsF(self._font(b, s)).horizontalAdvance(t) for t, b, s in self._runs)
        return QSize(int(width) + 2, self.minimumSizeHint().height())

    def minimumSizeHint(self) -> QSize:
        # The height of the tallest run this line can hold (the large name), text or not.
        tallest = max(QFontMetricsF(self._font(True, s)).height() for s in (1.0, NAME_SIZE))
        return QSize(0, int(tallest) + 1)

    def paintEvent(self, event) -> None:
        if not self._runs:
            return
        painter = QPainter(self)
        painter.setPen(self.palette().windowText().color())
        x, width = 0.0, float(self.width())
        baseline = max(QFontMetricsF(self._font(b, s)).ascent() for _, b, s in self._runs)
        for text, bold, size in self._runs:
            font = self._font(bold, size)
            metrics = QFontMetricsF(font)
            painter.setFont(font)
            advance = metrics.horizontalAdvance(text)
            if x + advance > width:  # the rest does not fit: cut this run, end the line
                shown = metrics.elidedText(text, Qt.TextElideMode.ElideRight, width - x)
                painter.drawText(QPointF(x, baseline), shown)
                return
            painter.drawText(QPointF(x, baseline), text)
            x += advance


class HeaderTitle(QWidget):
    """Who (name, age, sex, birth date, record number) and which session, two lines."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("headerTitle")
        self.who = HeaderLine("headerWho", self)
        self.when = HeaderLine("headerSession", self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.who)
        layout.addWidget(self.when)

    def text(self) -> str:
        """Both lines, as plain text."""
        return f"{self.who.text()}\n{self.when.text()}"


class SessionHeader(QWidget):
    """Patient, age, session date and status; red flags and precautions in two fixed lines."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sessionHeader")
        self.title = HeaderTitle(self)
        # Two lines: a red flag with the referral advice, whole, at 125 % on a laptop.
        self.notices = NoticeStrip("headerNotices", 2, self)
        self.notices.setAccessibleName("Red flags and precautions")
        # Red flags first while they wait for a decision or after a referral: no
        # needling then. Once assessed as safe to proceed the decision is a calm line
        # of what was done, after the precautions that matter while needling.
        self.red_flags = self.notices.add_banner(WARNING, "headerRedFlags")
        self.precautions = self.notices.add_banner(CAUTION, "headerPrecautions")
        self.red_flag_decided = self.notices.add_banner(INFO, "headerRedFlagDecided")
        self.screening_note = self.notices.add_banner(None, "headerScreening")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.setSpacing(4)
        layout.addWidget(self.title)
        layout.addWidget(self.notices)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)

    def show_session(self, patient: Patient, session: Session | None) -> None:
        """Fill in the header for ``patient`` and, if any, the session being charted."""
        age = patient.age_on(date.today())
        self.title.who.set_runs(
            [
                (patient.full_name, True, NAME_SIZE),
                (
                    f" · {age} y · {patient.sex.value} · born {patient.date_of_birth:%d %b %Y}"
                    f" · {patient.record_number}",
                    False,
                    1.0,
                ),
            ]
        )
        if session is None:
            self.title.when.set_runs([("No session selected", False, 1.0)])
        else:
            when = session.started_at.astimezone()
            complaint = f" · {session.chief_complaint}" if session.chief_complaint else ""
            self.title.when.set_runs(
                [
                    (f"Session {when:%a %d %b %Y, %H:%M} · ", False, 1.0),
                    (status_text(session), True, 1.0),
                    (complaint, False, 1.0),
                ]
            )
        # While charting, the screening of this session counts; otherwise the standing list.
        if session is not None:
            precautions, sites = session.contraindications, session.precaution_sites
        else:
            precautions, sites = patient.precautions, patient.precaution_sites
        self.notices.post(
            self.precautions,
            "⚠ Precautions: " + precautions_text(precautions, sites) if precautions else "",
        )
        # ⚠, not ⛔: common fonts lack ⛔ and would draw a box.
        line, safe = "", False
        if session is not None:
            line = red_flag_line(
                session.red_flags,
                session.red_flag_decision,
                session.red_flag_reason,
                session.editable,
            )
            safe = session.red_flag_decision is RedFlagDecision.SAFE_TO_PROCEED
        self.notices.post(self.red_flags, "" if safe else line)
        self.notices.post(self.red_flag_decided, line if safe else "")
        quiet = ""
        if session is not None:
            quiet = (
                "Screening: no precautions or red flags recorded for this session."
                if session.screening_done
                else "Screening not yet recorded for this session."
            )
        self.notices.post(self.screening_note, quiet)
