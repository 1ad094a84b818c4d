"""Bringing the running window forward when the doctor starts tpchart a second time.

The database lock (``tpchart.store.file.lock``) is what keeps a second copy from writing;
this local-socket handshake only makes the second start pleasant: the first window
comes to the front and the second copy quietly exits.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtNetwork import QLocalServer, QLocalSocket

_REQUEST = b"show\n"


def server_name(database: Path) -> str:
    """A socket name per database and user, short enough for every platform."""
    digest = hashlib.sha1(str(Path(database).resolve()).encode()).hexdigest()[:16]
    return f"tpchart-{digest}"


def bring_forward(database: Path, timeout_ms: int = 1000) -> bool:
    """Ask the tpchart that has ``database`` open to raise its window; True if it answered."""
    socket = QLocalSocket()
    socket.connectToServer(server_name(database))
    if not socket.waitForConnected(timeout_ms):
        return False
    socket.write(_REQUEST)
    socket.flush()  # usually writes it all at once; else wait for the rest
    written = socket.bytesToWrite() == 0 or socket.waitForBytesWritten(timeout_ms)
    socket.disconnectFromServer()
    return written


class InstanceServer(QObject):
    """Listens for a second start on the same database and asks for the window to show."""

    show_requested = Signal()

    def __init__(self, database: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._server = QLocalServer(self)
        name = server_name(database)
        # A socket file left by a crashed run would make listen() fail; this process
        # holds the database lock, so no live tpchart owns that name.
        QLocalServer.removeServer(name)
        self.listening = self._server.listen(name)
        self._server.newConnection.connect(self._connection)

    @Slot()
    def _connection(self) -> None:
        while self._server.hasPendingConnections():
            socket = self._server.nextPendingConnection()
            socket.readyRead.connect(self._read)
            socket.disconnected.connect(socket.deleteLater)

    @Slot()
    def _read(self) -> None:
        socket = self.sender()
        if isinstance(socket, QLocalSocket) and bytes(socket.readAll().data()).startswith(
            _REQUEST.strip()
        ):
            self.show_requested.emit()

    def close(self) -> None:
        """Stop listening (the window is closing)."""
        self._server.close()


def raise_window(window) -> None:
    """Show ``window`` in front, restored if minimised."""
    window.showNormal() if window.isMinimized() else window.show()
    window.raise_()
    window.activateWindow()
