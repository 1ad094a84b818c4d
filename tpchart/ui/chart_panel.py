"""Charting a session on the body maps: click to add, drag to move, keys to set findings.

The panel owns the session's undo stack. Every change becomes a ``PointsChange``
command that writes through the store; the scene, the point list, the inspector
and the cautions are then updated from what the store returned.

Nothing here may move the map under the mouse: cautions and notes share one strip
of fixed height (`notices`), and the point list beside the map has its own width.

The strip warns at the moment it matters (issue 15): a red flag still to be decided
(no point can be marked until then), a point over the lung (`core.safety`: by region
and muscle, a warning once its depth reaches where the pleura may lie for this
patient's build, a calm line once a precaution is recorded), both sides of the thorax
(a warning with "Acknowledge", asked once per session) and a point marked on the site
of a sited precaution (named, as soon as the point lands there); `chart_cautions`
words them.

What a click, a drop or a key makes of a point is decided in
`tpchart.core.charting`, not here. ``points`` is the one copy of the session's
points that the widgets read: it is fed from the store, markers only draw the
point they were last given, and the inspector shows the one selected here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QPushButton,
    QTabBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from tpchart.core.charting import carried_forward, moved, place_point
from tpchart.core.muscles import MUSCLES
from tpchart.core.patient import Patient
from tpchart.core.regions import REGIONS, View
from tpchart.core.session import Session
from tpchart.core.trigger_point import TriggerPoint
from tpchart.store import Store
from tpchart.ui.body_map_view import BodyMapScene, BodyMapView
from tpchart.ui.carry_forward import choose_points_to_carry
from tpchart.ui.chart_cautions import chart_notices
from tpchart.ui.chart_commands import Change, PointsChange, State
from tpchart.ui.legend import Legend
from tpchart.ui.map_keys import install_map_keys
from tpchart.ui.markers import PointMarker
from tpchart.ui.notices import DONE, NoticeStrip
from tpchart.ui.operations import Changed, Operations, What, message_box
from tpchart.ui.point_list import MapAndList, PointList
from tpchart.ui.style import CAUTION, INFO, WARNING

VIEW_TABS = [(View.FRONT, "Front", "F"), (View.BACK, "Back", "B"), (View.HEAD, "Head (sides)", "H")]


class ChartPanel(QWidget):
    """The body-map canvas of one session, with view tabs, legend and cautions."""

    # After every change to the points, ``point_selected`` follows ``points_changed``
    # with the selection as it then is: the window fills the inspector from it alone
    # (once per click, not twice).
    point_selected = Signal(object)  # TriggerPoint or None
    points_changed = Signal()
    status_message = Signal(str)

    def __init__(
        self, store: Store, parent: QWidget | None = None, *, operations: Operations | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("chartPanel")
        self.store = store
        # Changes go through the window's operations (a private one on its own).
        self.operations = operations or Operations(store, self)
        self.session: Session | None = None
        # A colleague's words when they hold this session on another workstation.
        self.held_by = ""
        self.patient: Patient | None = None
        self.points: dict[int, TriggerPoint] = {}
        self.previous: list[TriggerPoint] = []
        self.undo_stack = QUndoStack(self)
        self._temp_key = 0

        # Only the diagram on screen is built at start; the others when first shown.
        self.scenes = Scenes(self._build_scene)
        self.canvas = BodyMapView(self)
        self.tabs = QTabBar(objectName="viewTabs")
        self.tabs.setAccessibleName("Body map view")
        self.tabs.setAccessibleDescription("Front, back or head diagram (keys F, B, H on the map)")
        for view, label, key in VIEW_TABS:
            # "Head", not "Head (sides)": the row must fit a 1366 px screen at 125 %.
            self.tabs.addTab(f"{label.split(' (')[0]}  [{key}]")
            self.tabs.setTabData(self.tabs.count() - 1, view)
            self.tabs.setTabToolTip(self.tabs.count() - 1, f"{label} (key {key} on the map)")
        self.show_previous = QCheckBox("Previous session", objectName="showPrevious", checked=True)
        self.show_previous.setToolTip("Show the last session's points faintly")
        self.carry_button = QPushButton("Carry forward", objectName="carryForward")
        self.carry_button.setToolTip("Choose points of the previous session to copy into this one")
        self.list_button = QToolButton(objectName="pointListButton", text="List", checkable=True)
        self.list_button.setToolTip("Show or hide the list of this session's points")
        self.list_button.setChecked(True)
        fit = QToolButton(objectName="fitButton", text="Fit", toolTip="Fit the diagram (Ctrl+0)")
        fit.clicked.connect(self.canvas.fit)
        # Cautions, notes and the key hint share three lines of fixed height, most
        # important first: a message coming or going never moves the map, and the
        # both-sides-of-the-thorax warning is whole at 125 % on a laptop.
        self.notices = NoticeStrip("chartNotices", 3)
        self.notices.setAccessibleName("Chart messages")
        self.acknowledge_button = QPushButton("Acknowledge", objectName="acknowledgeBothSides")
        self.acknowledge_button.setToolTip(
            "Record that you know points over the lung lie on both sides of the thorax; "
            "asked once per session"
        )
        self.acknowledge_button.clicked.connect(self.acknowledge_both_sides)
        # Most important first: no needling at all, then the lung, then a precaution at
        # the point just marked, then what was done.
        self.refusal = self.notices.add_banner(WARNING, "needlingRefused")
        self.warning = self.notices.add_banner(WARNING, "lungWarning", self.acknowledge_button)
        self.site = self.notices.add_banner(CAUTION, "siteCaution")
        self.caution = self.notices.add_banner(CAUTION, "lungCaution")
        self.readonly_note = self.notices.add_banner(INFO, "readOnlyNote")
        self.done = self.notices.add_banner(DONE, "lungDone")
        self.hint = self.notices.add_banner(None, "chartHint")
        self.point_list = PointList(self)
        self.splitter = MapAndList(self.canvas, self.point_list)

        top = QHBoxLayout()
        top.addWidget(self.tabs)
        top.addStretch()
        top.addWidget(self.show_previous)
        top.addWidget(self.carry_button)
        top.addWidget(self.list_button)
        top.addWidget(fit)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.notices)
        layout.addWidget(self.splitter, stretch=1)
        layout.addWidget(Legend(self))

        self.tabs.currentChanged.connect(self._tab_changed)
        self.show_previous.toggled.connect(lambda _on: self._show_all())
        self.carry_button.clicked.connect(self.carry_forward)
        # A patient's build or standing sites, or the session's acknowledgement, may be
        # saved elsewhere (the patient dialog, the session panel): the cautions follow.
        self.operations.records_changed.connect(self._record_changed)
        self.list_button.toggled.connect(self.point_list.setVisible)
        self.point_list.point_chosen.connect(self.select_point)
        self.point_list.delete_requested.connect(self.delete_selected)
        install_map_keys(
            self.canvas,
            [(view, key) for view, _label, key in VIEW_TABS],
            self.show_view,
            self.delete_selected,
            self._key_edit,
        )
        self.canvas.set_body_scene(self.scenes[View.FRONT])
        self.set_session(None, None)

    def _build_scene(self, view: View) -> BodyMapScene:
        """The diagram of ``view``, showing what the built ones show."""
        scene = BodyMapScene(view, self)
        scene.set_editable(self.editable)
        ghosts = self.previous if self.show_previous.isChecked() else []
        scene.show_points(
            [p for p in self.points.values() if p.view is view],
            [p for p in ghosts if p.view is view],
        )
        scene.point_requested.connect(self.add_point)
        scene.points_moved.connect(self.move_points)
        scene.region_hovered.connect(self._region_hovered)
        scene.selectionChanged.connect(self._selection_changed)
        return scene

    # -- session -----------------------------------------------------------------------
    def set_session(
        self, patient: Patient | None, session: Session | None, *, held_by: str = ""
    ) -> None:
        """Chart ``session`` (None: nothing to chart). Earlier points come from the
        patient's most recent earlier session; the undo history starts afresh.
        ``held_by``: a colleague has the session open (clinic server), in their words;
        it is read-only here and the note says so."""
        self.patient, self.session = patient, session
        self.held_by = held_by
        self.undo_stack.clear()
        self.points = {}
        self.previous = []
        if session is not None:
            self.points = {p.id: p for p in self.store.points.for_session(session.id)}  # type: ignore[misc, arg-type]
            earlier = self.store.sessions.latest_before(session)
            if earlier is not None:
                self.previous = self.store.points.for_session(earlier)
        self._refresh_session_state()
        self._show_all()

    def refresh_session(self, session: Session) -> None:
        """The session's fields changed (signed, amended, a red flag decided, a site
        recorded): update what depends on them."""
        self.session = session
        self._refresh_session_state()
        self._update_cautions()

    @Slot(object)
    def _record_changed(self, changed: Changed) -> None:
        record = changed.record
        patient, session = self.patient, self.session
        if changed.what is What.PATIENT and _same(record, patient):
            self.patient = record  # type: ignore[assignment]
            self._update_cautions()
        elif changed.what is What.SESSION and _same(record, session):
            self.refresh_session(record)  # type: ignore[arg-type]

    @property
    def editable(self) -> bool:
        """Points can change: a draft or amending session in a database open for writing."""
        return (
            self.session is not None
            and self.session.editable
            and not self.store.read_only
            and not self.held_by
        )

    def _refresh_session_state(self) -> None:
        editable = self.editable
        for scene in self.scenes.values():
            scene.set_editable(editable)
        self.carry_button.setEnabled(editable and bool(self.previous))
        self.show_previous.setEnabled(bool(self.previous))
        if self.session is None:
            hint = "Start a new session to chart trigger points."
        elif editable:
            hint = (
                "Click: add · drag: move · Del: remove · A/L: active/latent · "
                "N/W/M/S: twitch · 0-9: pain"
            )
        else:
            hint = "Hover a point for its findings; choose it for the details."
        self.notices.post(self.hint, hint)
        note = ""
        if self.session is not None and not editable:
            if self.held_by:
                note = self.held_by  # who has it open on another workstation
            elif self.store.read_only:
                note = "This database is open read-only."
            else:
                note = "This session is signed: amend it to change points."
        self.notices.post(self.readonly_note, note)
        if not editable:
            self.undo_stack.clear()

    def _show_all(self) -> None:
        ghosts = self.previous if self.show_previous.isChecked() else []
        for view, scene in self.scenes.items():
            scene.show_points(
                [p for p in self.points.values() if p.view is view],
                [p for p in ghosts if p.view is view],
            )
        self._update_cautions()
        self.point_list.show_points(self.points.values())
        self.point_selected.emit(None)

    # -- changes -------------------------------------------------------------------------
    def _push(self, text: str, before: State, after: State, merge_key=None) -> None:
        refused = message_box(self, "Not saved")
        self.undo_stack.push(
            PointsChange(
                self.operations,
                text,
                before,
                after,
                self._applied,
                refused,
                self._failed,
                merge_key,
            )
        )

    @Slot(str, float, float)
    def add_point(self, region_id: str, x: float, y: float) -> None:
        """A click in a region: a new point there (`core.charting.place_point`)."""
        if not self.editable or self._needling_refused():
            return
        point = place_point(self.session.id, region_id, x, y, self.points.values())  # type: ignore[union-attr, arg-type]
        self._temp_key -= 1
        self._push(f"Add point {point.number}", {self._temp_key: None}, {self._temp_key: point})

    @Slot(list)
    def move_points(self, moves: list[tuple[int, float, float]]) -> None:
        """Dragged markers, one undo step: each point's region is found again where it
        was dropped (`core.charting.moved` keeps or re-picks the muscle); a drop
        outside the body puts them all back."""
        before: State = {}
        after: State = {}
        for point_id, x, y in moves:
            old = self.points[point_id]
            region_id = self.scenes[old.view].body.region_at(x, y)
            if region_id is None:
                for pid, _x, _y in moves:
                    self.scenes[self.points[pid].view].put_point(self.points[pid])
                self.status_message.emit("A point must lie on the body; it was put back.")
                return
            before[point_id] = old
            after[point_id] = moved(old, region_id, x, y)
        numbers = ", ".join(str(p.number) for p in before.values() if p is not None)
        self._push(f"Move point {numbers}", before, after)

    def edit_point(self, new: TriggerPoint, field: str) -> None:
        """An inspector or key edit of one field; repeated edits of a field merge."""
        old = self.points.get(new.id) if new.id is not None else None
        if new.id is None or old is None or old == new:  # not one of ours, or unchanged
            return
        self._push(
            f"Set {field.replace('_', ' ')} of point {old.number}",
            {new.id: old},
            {new.id: new},
            merge_key=(new.id, field),
        )

    def delete_selected(self) -> None:
        """Remove the selected points of this session."""
        chosen = self._selected()
        if not chosen or not self.editable:
            return
        numbers = ", ".join(str(p.number) for p in chosen.values())
        self._push(f"Delete point {numbers}", dict(chosen), dict.fromkeys(chosen, None))

    @Slot()
    def carry_forward(self) -> None:
        """Ask which of the previous session's points to copy (all ticked), then copy
        the ticked ones."""
        if not self.editable or not self.previous:
            return
        self.carry_forward_points(choose_points_to_carry(self.previous, self))

    def carry_forward_points(self, chosen: list[TriggerPoint]) -> None:
        """Copy ``chosen`` earlier points into this session, numbered on after its
        points, as one undo step."""
        if not self.editable or not chosen or self._needling_refused():
            return
        before: State = {}
        after: State = {}
        for copy in carried_forward(chosen, self.session.id, self.points.values()):  # type: ignore[union-attr, arg-type]
            self._temp_key -= 1
            before[self._temp_key] = None
            after[self._temp_key] = copy
        self._push(f"Carry forward {len(chosen)} point(s)", before, after)

    def _needling_refused(self) -> bool:
        """Say why no point may be marked now (an undecided red flag, a referral) and
        return True; the store refuses such a point too, this says it without a box."""
        reason = self.session.needling_refused() if self.session is not None else ""
        if reason:  # the strip says it already; the status bar answers the click
            self.status_message.emit(reason)
        return bool(reason)

    @Slot()
    def acknowledge_both_sides(self) -> None:
        """Record, once for this session, that the doctor knows points over the lung lie
        on both sides of the thorax: the warning becomes a line of what was done."""
        if not self.editable or self.session.both_sides_acknowledged:  # type: ignore[union-attr]
            return
        session_id = self.session.id  # type: ignore[union-attr]
        # Text still being typed in the session form is saved first; then the stored
        # session, not this panel's copy, takes the one change. The saved session comes
        # back through ``records_changed`` (`_record_changed`).
        self.operations.flush_pending()
        self.operations.save_session(
            lambda: replace(self.store.sessions.get(session_id), both_sides_acknowledged=True),  # type: ignore[arg-type]
            message_box(self, "Not saved"),
        )

    def _applied(self, changes: list[Change]) -> None:
        # A diagram not built yet takes its markers from ``points`` when it is built.
        built = self.scenes.get
        for old, new in changes:
            if new is None and old is not None:
                self.points.pop(old.id, None)  # type: ignore[arg-type]
                if (scene := built(old.view)) is not None:
                    scene.remove_point(old.id)  # type: ignore[arg-type]
            elif new is not None:
                moved_view = old is not None and old.view is not new.view
                if moved_view and (scene := built(old.view)) is not None:  # type: ignore[union-attr]
                    scene.remove_point(old.id)  # type: ignore[union-attr, arg-type]
                self.points[new.id] = new  # type: ignore[index]
                if (scene := built(new.view)) is not None:
                    scene.put_point(new)
        self._update_cautions()
        self.point_list.show_points(self.points.values())
        self.points_changed.emit()
        added = [new for old, new in changes if old is None and new is not None]
        edited = [new for old, new in changes if old is not None and new is not None]
        if len(added) == 1:
            self.select_point(added[0].id)  # type: ignore[arg-type]
        elif len(edited) == 1:
            self.select_point(edited[0].id)  # type: ignore[arg-type]
        else:
            self._selection_changed()

    def _failed(self) -> None:
        # Screen equals database: reload what is stored once the undo stack is done.
        QTimer.singleShot(0, self.reload)

    @Slot()
    def reload(self) -> None:
        """Show the session exactly as stored (after a failed write, for example)."""
        session = self.store.sessions.get(self.session.id) if self.session else None  # type: ignore[arg-type]
        self.set_session(self.patient, session)

    # -- selection and keys ----------------------------------------------------------------
    def current_scene(self) -> BodyMapScene:
        """The diagram on screen."""
        return self.scenes[self.tabs.tabData(self.tabs.currentIndex())]

    def show_view(self, view: View) -> None:
        """Switch the canvas to ``view``."""
        for index in range(self.tabs.count()):
            if self.tabs.tabData(index) == view:
                self.tabs.setCurrentIndex(index)

    def select_point(self, point_id: int) -> None:
        """Select one point, switching to its view."""
        point = self.points.get(point_id)
        if point is None:
            return
        self.show_view(point.view)
        scene = self.scenes[point.view]
        scene.blockSignals(True)
        scene.clearSelection()
        scene.markers[point_id].setSelected(True)
        scene.blockSignals(False)
        self._selection_changed()

    def selected_point(self) -> TriggerPoint | None:
        """The one selected point of this session, if exactly one is selected."""
        chosen = list(self._selected().values())
        return chosen[0] if len(chosen) == 1 else None

    def _selected(self, ghost: bool = False) -> dict[int, TriggerPoint]:
        """The selected points on screen by id, in selection order, as the panel holds
        them (a marker only draws its point): this session's, or with ``ghost`` the
        previous session's faint ones."""
        held = {p.id: p for p in self.previous} if ghost else self.points
        items = self.current_scene().selectedItems()
        ids = [i.point.id for i in items if isinstance(i, PointMarker) and i.ghost is ghost]
        return {i: held[i] for i in ids if i is not None and i in held}

    @Slot()
    def _selection_changed(self) -> None:
        self.point_list.show_selection(self._selected())
        self.point_selected.emit(self.selected_point())

    def focus_map(self) -> None:
        """Give the map the keyboard (its keys: B, F, H, A, L, 0-9...), now and once the
        events in hand are done. After a modal dialog closes, nothing may make the
        window active again (no window manager, or one that prevents focus stealing),
        and Qt then gives the focus to no widget: so the window asks to be active."""

        def take() -> None:
            if self.canvas.isVisible():
                self.window().activateWindow()
                self.canvas.setFocus(Qt.FocusReason.OtherFocusReason)

        take()
        QTimer.singleShot(0, take)

    @Slot(int)
    def _tab_changed(self, index: int) -> None:
        self.canvas.set_body_scene(self.scenes[self.tabs.tabData(index)])
        self._selection_changed()

    @Slot(object)
    def _region_hovered(self, region_id: str | None) -> None:
        if region_id is None:
            self.status_message.emit("")
            return
        region = REGIONS[region_id]
        muscles = ", ".join(MUSCLES[m].name for m in region.muscles[:4])
        lung = " · lung-risk zone" if region.lung_risk else ""
        self.status_message.emit(f"{region.label} — {muscles}{lung}")

    def _key_edit(self, field: str, change: Callable[[TriggerPoint], TriggerPoint]) -> None:
        point = self.selected_point()
        if point is not None and self.editable:
            self.edit_point(change(point), field)

    # -- cautions ----------------------------------------------------------------------
    def _update_cautions(self) -> None:
        notices = chart_notices(self.points.values(), self.session, self.patient, self.editable)
        for banner, notice in (
            (self.refusal, notices.refusal),
            (self.warning, notices.warning),
            (self.site, notices.site),
            (self.caution, notices.caution),
            (self.done, notices.done),
        ):
            self.notices.post(banner, notice.text, notice.details, ask=notice.ask)


class Scenes(dict[View, BodyMapScene]):
    """The panel's diagrams by view, each built on first use (``scenes[view]``): a
    diagram costs its SVG's parsing and a marker per point, and most sessions are
    charted on one or two views. Iterating gives the diagrams built so far, which
    are the only ones that need updating: a later one is built from the points."""

    def __init__(self, build: Callable[[View], BodyMapScene]) -> None:
        super().__init__()
        self._build = build

    def __missing__(self, view: View) -> BodyMapScene:
        view = View(view)  # a tab's data comes back from Qt as the plain string
        scene = self[view] = self._build(view)
        return scene


def _same(record: object, shown: Patient | Session | None) -> bool:
    """``record`` is a newer copy of the patient or session on screen."""
    return shown is not None and type(record) is type(shown) and record.id == shown.id  # type: ignore[attr-defined]
