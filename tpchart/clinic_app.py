"""Starting on a clinic server (clinic mode, docs/clinic-server.md); the window then
runs as on a file (``App.run_on_server``).

Start-up, in order: the workstation's server settings (from ``--db``, else those saved
by "Connect to clinic server"); the password (written in the address, kept in the
keyring, libpq's own, else asked for); the connection, where a server that cannot be
reached gets one plain message and Retry / Connect to another server / Quit, never a
crash; the sign-in (or the clinic's set-up); the window. What a file needs and a server
does not (the lock, the start-up checks of the file, backups beside it) is not here:
the server's administrator backs the server up.
"""

from __future__ import annotations

import logging

from tpchart.store import RecordStore
from tpchart.store.server import ServerRefused
from tpchart.store.server import workstation as ws
from tpchart.ui.connect_server import ask_server_settings
from tpchart.ui.server_unreachable import ask_after_failure

log = logging.getLogger("tpchart.app")

# The status bar's shorter ws.URL_PASSWORD_WARNING (a command line can be read by others).
PASSWORD_IN_ADDRESS = (
    "The password in the server address was used for this start only, not stored: "
    "leave it out next time (tpchart asks, or takes it from the keyring)."
)


def saved_server() -> ws.ServerSettings | None:
    """The clinic server this workstation connected to last ("Connect to clinic server"),
    which the window opens when no ``--db`` is given."""
    return ws.load()


def connect_at_start(
    address: str | None, given: tuple[ws.ServerSettings, str] | None = None
) -> RecordStore | None:
    """The clinic server's records, connected as ``address`` (``--db``), the dialog's
    answer ``given`` (settings, password) or this workstation's saved settings say; None
    when the doctor chose Quit (nothing was opened)."""
    from tpchart.store.clinic_server import ClinicServerStore

    settings: ws.ServerSettings | None
    password: str | None = given[1] if given else None
    try:
        if given:
            settings = given[0]
        else:
            settings = ws.ServerSettings.from_url(address) if address else saved_server()
    except ws.SettingsRefused as exc:
        settings = None
        reason = str(exc)
    else:
        reason = "Connect this computer to the clinic's server."
    if address and settings is not None:
        password = ws.url_password(address)
        if password is not None:
            # Said in the window's status bar once it is open (see run_clinic).
            log.warning("A password was given in the server address on the command line")
    while True:
        if settings is None:
            answer = ask_server_settings(None, None, reason=reason)
            if answer is None:
                return None
            settings, password = answer
        if password is None:
            password = ws.stored_password(settings)
        try:
            settings.ready_to_connect()
            store = ClinicServerStore.connect(settings.to_dsn(), password=password)
            log.info("Connected to the clinic server %s", settings.label())
            return store
        except (ServerRefused, ws.SettingsRefused) as exc:
            log.warning("Clinic server refused: %s", exc)
            if password is None and "password" in str(exc):
                # Kept nowhere (no keyring) or not yet: ask, the form filled.
                wanted = ws.keyring_missing_reason() or "Enter the clinic server's password."
                answer = ask_server_settings(None, settings, reason=wanted)
                if answer is None:
                    return None
                settings, password = answer
                continue
            choice = ask_after_failure(None, str(exc), settings.label())
            if choice == "quit":
                return None
            if choice == "settings":
                answer = ask_server_settings(None, settings, reason=str(exc))
                if answer is None:
                    return None
                settings, password = answer
