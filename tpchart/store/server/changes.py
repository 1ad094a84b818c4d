"""Hearing of colleagues' changes on the clinic server, to refresh what is on screen.

Every change to the records commits with a notification on one channel (migration
003's triggers): which table, insert/update/delete, and the row's id, patient and
session where it has them. A ``Listener`` LISTENs on its own connection and hands
them over as ``Change`` objects, in batches, either

- pulled: ``listener.wait(timeout)`` returns what arrived (a Qt timer can call it with
  timeout 0), or
- pushed: ``listener.start(callback)`` runs a background thread that calls
  ``callback(batch)`` from that thread (in Qt: emit a signal there; the queued
  connection brings it to the GUI thread). ``stop()`` returns promptly.

When the connection is lost (server restarted, network down, backend terminated) the
listener reconnects on its own and then reports ``Resync``: changes may have been
missed meanwhile, so reload everything shown. A batch too large to be worth reading
row by row (a bulk import) is reported as one ``Resync`` too.

NOTIFY is transactional: a change is heard when it commits, never when it is rolled
back. A workstation hears its own changes too; ``Change.writer_pid`` is the server
process of the connection that made it, to tell them apart
(``conn.info.backend_pid``).
"""

from __future__ import annotations

import contextlib
import json
import logging
import selectors
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import psycopg

from tpchart.store.server.connection import ServerRefused

CHANNEL = "tpchart_changes"

_log = logging.getLogger(__name__)

# For the listener's connection (libpq parameters): a server that vanished without
# closing the connection (power cut, cable pulled) is noticed within about 25 s by
# TCP keepalives, where it could otherwise go unnoticed for hours.
KEEPALIVES: dict[str, Any] = {
    "keepalives": 1,
    "keepalives_idle": 10,
    "keepalives_interval": 5,
    "keepalives_count": 3,
}

# More changes than this in one batch: reloading is cheaper than reading them one by one.
MOST_PER_BATCH = 500


@dataclass(frozen=True)
class Change:
    """One row changed on the server (and committed)."""

    table: str
    op: str  # "insert", "update" or "delete"
    id: int | None = None
    patient_id: int | None = None
    session_id: int | None = None
    key: str | None = None  # settings rows
    writer_pid: int = 0


@dataclass(frozen=True)
class Resync:
    """Changes may have been missed: reload everything shown. ``reason`` in plain words."""

    reason: str


Event = Change | Resync


def parse(payload: str, writer_pid: int = 0) -> Event:
    """A notification's payload as a Change; anything unreadable (the channel is open
    to every connection) is a Resync, so nothing is silently missed."""
    try:
        data = json.loads(payload)
        if not (isinstance(data, dict) and isinstance(data.get("table"), str)):
            raise ValueError(payload)
        if data.get("op") not in ("insert", "update", "delete"):
            raise ValueError(payload)
        ids = {k: data.get(k) for k in ("id", "patient_id", "session_id")}
        if any(v is not None and (type(v) is not int) for v in ids.values()):
            raise ValueError(payload)
        key = data.get("key")
        return Change(
            data["table"],
            data["op"],
            ids["id"],
            ids["patient_id"],
            ids["session_id"],
            key if isinstance(key, str) else None,
            writer_pid,
        )
    except ValueError:
        return Resync("an unreadable change notification arrived")


class Listener:
    """LISTEN on CHANNEL with a connection of its own, reconnecting when it is lost.

    ``connect`` makes that connection (an autocommit one, e.g. ``lambda:
    connection.connect(dsn, password=..., **KEEPALIVES)``); it is called again to
    reconnect, waiting ``retry_seconds`` (doubling up to ``most_retry_seconds``)
    between failed attempts. Every connection but one made by ``open()`` is reported
    as a ``Resync``: nothing from before it can be trusted to have been heard."""

    def __init__(
        self,
        connect: Callable[[], psycopg.Connection[Any]],
        *,
        retry_seconds: float = 0.5,
        most_retry_seconds: float = 10.0,
        most_per_batch: int = MOST_PER_BATCH,
    ) -> None:
        self._connect = connect
        self._retry = retry_seconds
        self._most_retry = most_retry_seconds
        self._most_per_batch = most_per_batch
        self._conn: psycopg.Connection[Any] | None = None
        self._next_attempt = 0.0
        self._delay = retry_seconds
        self._lost_because = ""
        # stop() wakes a waiting select() at once through this pair (a socket pair,
        # not a pipe, so that it works with select() on Windows too).
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._wake_w.setblocking(False)
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    # -- the connection --------------------------------------------------------------

    def open(self) -> None:
        """Connect and LISTEN now (raises ServerRefused if the server cannot be
        reached). Optional: ``wait`` and ``start`` connect by themselves."""
        self._listen()

    @property
    def connected(self) -> bool:
        """Whether the listener is connected now (False while it reconnects)."""
        return self._conn is not None and not self._conn.closed

    @property
    def backend_pid(self) -> int | None:
        """The server process of the listener's connection (None when not connected)."""
        return self._conn.info.backend_pid if self.connected and self._conn else None

    def _listen(self) -> None:
        conn = self._connect()
        try:
            conn.execute(f"LISTEN {CHANNEL}")
        except BaseException:
            conn.close()
            raise
        self._conn = conn
        self._delay = self._retry

    def _lost(self, because: str) -> None:
        if self._conn is not None:
            self._conn.close()
        self._conn = None
        self._lost_because = because
        self._next_attempt = time.monotonic()

    def _reconnect(self) -> list[Event]:
        """One attempt, if it is time for it: [Resync] once connected again."""
        if time.monotonic() < self._next_attempt:
            return []
        try:
            self._listen()
        except (ServerRefused, psycopg.Error):
            self._next_attempt = time.monotonic() + self._delay
            self._delay = min(self._delay * 2, self._most_retry)
            return []
        if not self._lost_because:
            return [Resync("connected to the clinic server: listening for changes")]
        because, self._lost_because = self._lost_because, ""
        return [Resync(f"reconnected to the clinic server ({because})")]

    # -- pulling ---------------------------------------------------------------------

    def wait(self, timeout: float | None = None) -> list[Event]:
        """What arrived, waiting up to ``timeout`` seconds (None: until something
        does, or ``stop()``) for the first of it; [] when nothing did. Reconnects
        when the connection is lost, and reports [Resync] once connected again.

        A connection attempt may block for the connection's connect_timeout: a GUI
        calling this from a timer would freeze while the server is away; use
        ``start()`` (a thread of its own) there."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while not self._stopping.is_set():
            pause: float | None = None
            if self.connected:
                events = self._drain([])
                if events:
                    return events
                if not self.connected:
                    continue  # lost while reading: try to reconnect at once
            else:
                events = self._reconnect()
                if events:
                    return self._drain(events)
                pause = max(0.0, self._next_attempt - time.monotonic())
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                return []
            self._select(left if pause is None else pause if left is None else min(pause, left))
        return []

    def _select(self, timeout: float | None) -> None:
        """Sleep until the connection has something to read, stop() is called, or
        ``timeout`` passes."""
        with selectors.DefaultSelector() as selector:
            selector.register(self._wake_r, selectors.EVENT_READ)
            if self._conn is not None and not self._conn.closed:
                selector.register(self._conn.fileno(), selectors.EVENT_READ)
            selector.select(timeout)
        self._clear_wake()

    def _clear_wake(self) -> None:
        with contextlib.suppress(OSError):
            while self._wake_r.recv(64):
                pass

    def _drain(self, events: list[Event]) -> list[Event]:
        """Add every notification already arrived (without waiting) to ``events``.
        A lost connection is noted for reconnecting; its Resync comes once connected
        again (reloading from a server that cannot be reached would only fail)."""
        conn = self._conn
        if conn is not None:
            try:
                events += [parse(n.payload, n.pid) for n in conn.notifies(timeout=0)]
            except psycopg.Error as error:
                self._lost(_plain(error))
            else:
                if conn.closed:
                    self._lost("the connection was closed")
        resyncs = [e for e in events if isinstance(e, Resync)]
        if resyncs:
            # One reload covers the rest; keep the last reason (the freshest news).
            return [resyncs[-1]]
        if len(events) > self._most_per_batch:
            return [Resync(f"{len(events)} changes arrived at once")]
        return events

    # -- pushing ---------------------------------------------------------------------

    def start(self, callback: Callable[[list[Event]], None]) -> None:
        """Call ``callback(batch)`` from a background thread for each batch that
        arrives, until ``stop()``. The callback must be quick (in Qt: emit a signal)."""
        if self._thread is not None:
            raise RuntimeError("this listener is already running")
        self._stopping.clear()
        self._clear_wake()

        def run() -> None:
            try:
                while not self._stopping.is_set():
                    batch = self.wait(None)
                    if batch and not self._stopping.is_set():
                        try:
                            callback(batch)
                        except Exception:
                            # A failing refresh must not end the listening: the next
                            # change (or resync) gets another chance.
                            _log.exception("refreshing after a change failed")
            finally:
                # Also when stop() gave up waiting for a connection attempt: the
                # connection that attempt made is closed here, not left open.
                self.close()

        self._thread = threading.Thread(target=run, name="tpchart-changes", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 2.0) -> bool:
        """Stop listening and close the connection; returns once the thread has ended
        (True), or after ``timeout`` seconds if it is still inside a connection attempt
        (False; it ends by itself after that attempt)."""
        self._stopping.set()
        # Closed already, or its buffer full of earlier wake-ups: awake anyway.
        with contextlib.suppress(OSError):
            self._wake_w.send(b"x")
        ended = True
        if self._thread is not None:
            self._thread.join(timeout)
            ended = not self._thread.is_alive()
            self._thread = None
        if ended:
            self.close()
        return ended

    def close(self) -> None:
        """Close the connection (call stop() first if started)."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def __enter__(self) -> Listener:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
        self._wake_r.close()
        self._wake_w.close()


def _plain(error: psycopg.Error) -> str:
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return lines[0] if lines else type(error).__name__
