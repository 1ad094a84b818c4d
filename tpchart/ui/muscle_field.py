"""The muscle field of the point inspector: one vocabulary, with the doctor's words kept.

"upper traps" and "upper trapezius" must be one muscle on screen, on paper and in
progress (issue 15), so the field offers the catalogue (`core.muscles`):

- its drop-down lists the region's usual muscles, by their preferred names, most
  likely first;
- typing offers catalogue muscles by name *or* synonym ("upper traps" offers upper
  trapezius, "QL" quadratus lumborum), the muscle named exactly first, then the
  region's own;
- words the catalogue does not know are kept as written, as an explicit "other"
  muscle, shown "(other) my words": never silently mapped onto a catalogue muscle.

A point's muscle reads the same everywhere on screen through `muscle_label`.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt, Signal, Slot
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QComboBox, QCompleter, QWidget

from tpchart.core.muscles import (
    MUSCLES,
    OTHER,
    Muscle,
    catalogue_name,
    find,
    muscle_id_for,
    suggestions,
    words_key,
)
from tpchart.core.regions import Region
from tpchart.core.trigger_point import TriggerPoint

# How a muscle the catalogue lacks is marked on screen, before the doctor's words.
OTHER_MARK = "(other)"
# The completer puts this role's text into the field: the preferred name, while the
# list shows the name with the synonym that matched ("quadratus lumborum (QL)").
_NAME_ROLE = Qt.ItemDataRole.UserRole + 1
_MUSCLE_ID_ROLE = Qt.ItemDataRole.UserRole + 2


def is_other(point: TriggerPoint) -> bool:
    """The point's muscle is the doctor's own words, not a catalogue muscle."""
    return bool(point.muscle.strip()) and point.muscle_id not in MUSCLES


def muscle_label(point: TriggerPoint) -> str:
    """A point's muscle as it reads on screen: the catalogue's preferred name, or
    "(other) my words" for words the catalogue does not know ("" for none)."""
    if is_other(point):
        return f"{OTHER_MARK} {point.muscle_name}"
    return point.muscle_name


def field_text(point: TriggerPoint) -> str:
    """What the muscle field shows for a point: the catalogue's preferred name alone
    (the list beside the map shows the doctor's words with it), or "(other) my words"."""
    if is_other(point):
        return f"{OTHER_MARK} {point.muscle.strip()}"
    return catalogue_name(point.muscle_id, point.muscle)


def typed_words(text: str) -> str:
    """The doctor's words in the field, without the "(other)" mark shown before them."""
    words = text.strip()
    if words.casefold().startswith(OTHER_MARK):
        words = words[len(OTHER_MARK) :].strip()
    return words


def with_muscle_words(point: TriggerPoint, text: str) -> TriggerPoint:
    """``point`` with the muscle the field shows, or ``point`` itself when that is the
    muscle it has: the field shows "upper trapezius" for a point written "upper traps",
    and leaving the field must not rewrite the doctor's words."""
    words = typed_words(text)
    named = find(words)
    if named is not None and named.id == point.muscle_id:
        return point
    if muscle_id_for(words) == OTHER and words == point.muscle.strip():
        return point
    return point.with_muscle(words)


def _matched_alias(muscle: Muscle, typed: str) -> str:
    """The synonym that made ``muscle`` a suggestion for ``typed``, or "" when its name
    did (then the name alone says why it is offered)."""
    aliases = (muscle.name, *muscle.synonyms)
    # What the typed words begin, before what one of their words begins ("traps", not
    # "upper traps", for "traps").
    for matches in (
        lambda key: key.startswith(typed),
        lambda key: any(w.startswith(typed) for w in key.split()),
    ):
        for alias in aliases:
            if matches(words_key(alias)):
                return "" if alias == muscle.name else alias
    return ""


def ranked_suggestions(text: str, region: Region | None) -> list[Muscle]:
    """Catalogue muscles for what was typed: the muscle the words name exactly first,
    then those usually needled in ``region``, then the others (the catalogue's order)."""
    words = typed_words(text)
    offered = suggestions(words, limit=20)
    exact = find(words)
    usual = region.muscles if region is not None else ()

    def rank(m: Muscle) -> tuple[int, int]:
        if exact is not None and m.id == exact.id:
            return (0, 0)
        if m.id in usual:
            return (1, usual.index(m.id))
        return (2, 0)

    return sorted(offered, key=rank)[:12]  # stable: the catalogue's order within a rank


class MuscleField(QComboBox):
    """An editable muscle box: the region's muscles in its list, the whole catalogue as
    the doctor types. ``chosen`` is emitted when a suggestion is picked."""

    chosen = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="muscle", editable=True)
        self.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.region: Region | None = None
        self._listed: list[tuple[str, str | None]] = []  # the list's (name, muscle id)
        self.offered = QStandardItemModel(self)
        self.completer_ = QCompleter(self.offered, self)
        # Unfiltered: the list is ours (`ranked_suggestions`), found by name and synonym,
        # which Qt's own prefix filter would not find ("traps" is in "upper traps").
        self.completer_.setCompletionMode(QCompleter.CompletionMode.UnfilteredPopupCompletion)
        self.completer_.setCompletionRole(_NAME_ROLE)
        self.completer_.setMaxVisibleItems(10)
        # On the line edit, not the combo box: the combo would look the chosen name up in
        # its own list (the region's muscles) and clear the field when it is not there.
        self.lineEdit().setCompleter(self.completer_)
        self.lineEdit().setPlaceholderText("Type a muscle or a synonym")
        self.lineEdit().textEdited.connect(self._offer)
        self.completer_.activated[QModelIndex].connect(self._picked)

    def show_point(self, point: TriggerPoint, region: Region | None) -> None:
        """List ``region``'s muscles, the point's own first when the region does not
        list it, and show the point's muscle."""
        self.region = region
        usual = list(region.muscles) if region is not None else []
        items = [(MUSCLES[m].name, m) for m in usual]
        if point.muscle.strip() and point.muscle_id not in usual:
            items.insert(0, (field_text(point), point.muscle_id))
        if items != self._listed:
            # Points after points in one region list the same muscles: refilling the
            # list (and its popup's model) on every click was work for nothing.
            self.clear()
            for text, muscle_id in items:
                self.addItem(text, muscle_id)
            self._listed = items
        elif self.currentIndex() > 0:
            self.setCurrentIndex(0)  # as a refilled list starts
        self.setEditText(field_text(point))
        self.lineEdit().setCursorPosition(0)  # the start of a long name, not its end

    def words(self) -> str:
        """The muscle as the doctor wrote or chose it (without the "(other)" mark)."""
        return typed_words(self.currentText())

    @Slot(str)
    def _offer(self, text: str) -> None:
        typed = words_key(typed_words(text))
        self.offered.clear()
        for muscle in ranked_suggestions(text, self.region) if typed else []:
            alias = _matched_alias(muscle, typed)
            item = QStandardItem(f"{muscle.name} ({alias})" if alias else muscle.name)
            item.setData(muscle.name, _NAME_ROLE)
            item.setData(muscle.id, _MUSCLE_ID_ROLE)
            item.setEditable(False)
            self.offered.appendRow(item)
        if self.offered.rowCount():
            self.completer_.setCompletionPrefix(text)
            self.completer_.complete()
        else:
            self.completer_.popup().hide()

    @Slot(QModelIndex)
    def _picked(self, index: QModelIndex) -> None:
        # The completer has put the name in the field already; say so once it has.
        self.setEditText(str(index.data(_NAME_ROLE)))
        self.chosen.emit()
