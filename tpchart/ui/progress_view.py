"""Progress across sessions: is the patient getting better?

One scrollable page, read top to bottom at a follow-up: the change since the first
session in words, pain (and NDI/ODI/PSFS when recorded) over calendar time with the
MCID marked, the muscles that keep coming back, where the needles went, and what
changed between two sessions. Every number and sentence comes from
``tpchart.core.progress`` (``progress_words``), the same functions the PDF progress
report uses, so the screen and the paper say the same words. Only signed sessions are
charted and counted; a draft is listed in the pickers as "(draft)" and the words say
it is left out.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from tpchart.core.progress import (
    OUTCOME_MEASURES,
    PAIN,
    PointsBySession,
    ProgressWords,
    SessionSummary,
    change_since_first,
    muscle_progress,
    pain_trend,
    progress_words,
    session_summaries,
)
from tpchart.core.session import Session
from tpchart.store import Store
from tpchart.ui.progress_charts import ScoreChart
from tpchart.ui.progress_compare import ComparePanel
from tpchart.ui.progress_maps import HeatPanel
from tpchart.ui.progress_table import MuscleTable

MIN_WIDTH = 540


def _section(title: str, object_name: str) -> tuple[QGroupBox, QVBoxLayout]:
    box = QGroupBox(title, objectName=object_name)
    layout = QVBoxLayout(box)
    layout.setContentsMargins(8, 6, 8, 8)
    return box, layout


class ProgressView(QWidget):
    """The progress tab for one patient. ``show_patient`` picks the patient;
    ``refresh`` re-reads the store after a session is signed or changed."""

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("progressView")
        self.store = store
        self.patient_id: int | None = None
        self.sessions: list[Session] = []
        self.summaries: list[SessionSummary] = []
        self.points: PointsBySession = {}

        self.headline = QLabel(objectName="progressHeadline", wordWrap=True)
        self.headline.setStyleSheet("font-size: 11pt; font-weight: bold;")
        self.headline.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.details = QLabel(objectName="progressDetails", wordWrap=True)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.details.setTextFormat(Qt.TextFormat.PlainText)
        # The rules behind every word above, with their sources: a claim a doctor can check.
        self.rules = QLabel(objectName="progressRules", wordWrap=True)
        self.rules.setTextFormat(Qt.TextFormat.PlainText)
        self.rules.setStyleSheet("color: #4d4d4d; font-size: 8pt;")
        self.rules.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.words: ProgressWords | None = None

        self.pain_chart = ScoreChart(PAIN)
        # The chart, not its legend, takes the height the outcome measures beside it
        # need (a legend given that height floated in blank space); capped for a
        # patient with all three measures, so the page does not become one long chart.
        self.pain_chart.setMinimumHeight(240)
        self.pain_chart.setMaximumHeight(420)
        pain_box, pain_layout = _section("Pain before and after each session", "painSection")
        pain_layout.addWidget(self.pain_chart.legend)
        pain_layout.addWidget(self.pain_chart, stretch=1)
        pain_layout.addStretch(0)

        self.outcome_box, outcome_layout = _section("Outcome measures", "outcomeSection")
        self.outcome_charts: dict[str, ScoreChart] = {}
        self.outcome_labels: dict[str, QLabel] = {}
        for measure in OUTCOME_MEASURES:
            label = QLabel(objectName=f"{measure.key}Sentence", wordWrap=True)
            chart = ScoreChart(measure)
            chart.setMinimumHeight(190)
            chart.setMaximumHeight(360)
            outcome_layout.addWidget(label)
            outcome_layout.addWidget(chart.legend)
            outcome_layout.addWidget(chart, stretch=1)
            self.outcome_labels[measure.key], self.outcome_charts[measure.key] = label, chart
        outcome_layout.addStretch(0)  # below the last chart, never between text and chart

        self.muscle_table = MuscleTable()
        muscle_box, muscle_layout = _section("Muscles across sessions", "muscleSection")
        muscle_layout.addWidget(self.muscle_table)

        self.heat = HeatPanel()
        heat_box, heat_layout = _section("Where needled (choose the sessions)", "heatSection")
        heat_layout.addWidget(self.heat)
        self.compare = ComparePanel()
        compare_box, compare_layout = _section("Compare two sessions", "compareSection")
        compare_layout.addWidget(self.compare)
        # The table of compared points has the page's full width, where its five
        # columns fit without scrolling sideways (beside the heat map they did not).
        points_box, points_layout = _section(
            "Compare two sessions: point by point", "comparePointsSection"
        )
        points_layout.addWidget(self.compare.points)

        charts = QHBoxLayout()
        charts.addWidget(pain_box, stretch=3)
        charts.addWidget(self.outcome_box, stretch=2)
        maps = QHBoxLayout()
        maps.addWidget(heat_box, stretch=2)
        maps.addWidget(compare_box, stretch=3)

        content = QWidget(objectName="progressContent")
        column = QVBoxLayout(content)
        column.addWidget(self.headline)
        column.addWidget(self.details)
        column.addLayout(charts)
        column.addWidget(muscle_box)
        column.addLayout(maps)
        column.addWidget(points_box)
        column.addWidget(self.rules)
        column.addStretch()
        # Scroll vertically only: the sections reflow to the tab's width, and at
        # 1366x768 the doctor scrolls down from the trend to the body maps.
        self.scroll = QScrollArea(objectName="progressScroll")
        self.scroll.setWidget(content)
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.content = content
        # The tab is about 650 px wide at 1366x768 and 560 at 125 % scale: the page
        # fits the narrower one, so that only the vertical scroll bar is ever needed.
        content.setMinimumWidth(MIN_WIDTH)

        self.placeholder = QLabel(
            objectName="progressPlaceholder", alignment=Qt.AlignmentFlag.AlignCenter
        )
        self.pages = QStackedWidget()
        self.pages.addWidget(self.placeholder)
        self.pages.addWidget(self.scroll)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.pages)
        self.show_patient(None)

    # -- public ---------------------------------------------------------------------
    def show_patient(self, patient_id: int | None) -> None:
        """Show this patient's progress (None: nothing chosen)."""
        self.patient_id = patient_id
        self.refresh()

    @Slot()
    def refresh(self) -> None:
        """Re-read the patient's sessions and points and redraw everything."""
        if self.patient_id is None:
            self.sessions, self.points = [], {}
        else:
            # A session being amended counts as last signed until it is signed again.
            self.sessions, self.points = self.store.sessions.as_signed(
                self.store.sessions.for_patient(self.patient_id),
                self.store.points.for_patient(self.patient_id),
            )
        self.summaries = session_summaries(self.sessions, self.points)
        if not self.summaries:
            self.placeholder.setText(
                "Choose a patient to see their progress."
                if self.patient_id is None
                else "No sessions yet: progress appears after the first session."
            )
            self.pages.setCurrentWidget(self.placeholder)
            return
        self.pages.setCurrentWidget(self.scroll)
        self.words = progress_words(self.sessions, self.points)
        self._show_words(self.words)
        # Drafts are not charted: their values may still change (listed in the words).
        signed = [s for s in self.summaries if s.signed]
        self.pain_chart.show_sessions(signed, pain_trend(self.sessions))
        self._show_outcomes(signed, dict(self.words.outcomes))
        self.muscle_table.set_rows(muscle_progress(self.sessions, self.points))
        self.heat.show_sessions(self.summaries, self.points)
        self.compare.show_sessions(self.summaries, self.points)

    # -- parts ----------------------------------------------------------------------
    def _show_words(self, words: ProgressWords) -> None:
        self.headline.setText(words.headline)
        lines = [*words.pain, *words.notes]
        self.details.setText("\n".join(lines))
        self.details.setVisible(bool(lines))
        self.rules.setText("\n".join(words.rules))

    def _show_outcomes(self, signed: list[SessionSummary], sentences: dict[str, str]) -> None:
        any_shown = False
        for measure in OUTCOME_MEASURES:
            present = measure.key in sentences
            chart, label = self.outcome_charts[measure.key], self.outcome_labels[measure.key]
            for widget in (chart, chart.legend, label):
                widget.setVisible(present)
            if present:
                label.setText(sentences[measure.key])
                chart.show_sessions(signed, change_since_first(measure, self.sessions))
                any_shown = True
        self.outcome_box.setVisible(any_shown)
