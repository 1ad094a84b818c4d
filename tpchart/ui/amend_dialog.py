"""Ask why a signed session is being amended; the reason is required and kept for ever."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from tpchart.core.session import Session
from tpchart.ui.style import MessageArea


class AmendDialog(QDialog):
    """Asks for the reason of an amendment; OK only with a reason given."""

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("amendDialog")
        self.setWindowTitle("Amend signed session")
        explain = QLabel(
            f"Version {session.version} stays on record exactly as signed. The amendment "
            f"becomes version {session.version + 1}, to be signed again.",
            wordWrap=True,
        )
        self.reason_edit = QLineEdit(objectName="amendReason")
        self.reason_edit.setAccessibleName("Reason for the amendment")
        self.reason_edit.setPlaceholderText("e.g. pain after was recorded on the wrong session")
        # Room kept for the message, so the Amend button does not move when it shows.
        self.error = MessageArea("amendError", lines=1)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("Amend")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(explain)
        layout.addWidget(QLabel("&Reason for the amendment", buddy=self.reason_edit))
        layout.addWidget(self.reason_edit)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.setMinimumWidth(420)

    def reason(self) -> str:
        """The reason as typed, trimmed."""
        return self.reason_edit.text().strip()

    def accept(self) -> None:
        """Close only when a reason is given; otherwise say so and stay open."""
        if not self.reason():
            self.error.setText("Give a reason: it is kept with the record.")
            self.reason_edit.setFocus()
            return
        super().accept()
