"""Where tpchart keeps its files by default, and places where a database is not safe."""

from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path, PurePath

from platformdirs import user_data_path, user_log_path

APP_NAME = "tpchart"

# File systems whose locking SQLite cannot trust: two computers may write at once,
# and a dropped connection mid-write can corrupt the file.
NETWORK_FILE_SYSTEMS = {
    "nfs", "nfs4", "cifs", "smb", "smb2", "smb3", "smbfs", "afs", "ncpfs", "9p",
    "fuse.sshfs", "sshfs", "davfs", "fuse.davfs2", "fuse.rclone", "fuse.s3fs",
    "fuse.gcsfuse", "glusterfs", "fuse.glusterfs", "ceph", "fuse.ceph", "lustre",
}  # fmt: skip

# Folder names of sync clients: they upload the database and its -wal separately and
# may "restore" an older copy over a newer one, or create conflicted copies.
CLOUD_FOLDERS = {
    "dropbox": "Dropbox",
    "onedrive": "OneDrive",
    "google drive": "Google Drive",
    "googledrive": "Google Drive",
    "my drive": "Google Drive",
    "icloud drive": "iCloud",
    "iclouddrive": "iCloud",
    "mobile documents": "iCloud",
    "com~apple~clouddocs": "iCloud",
    "nextcloud": "Nextcloud",
    "owncloud": "ownCloud",
    "box sync": "Box",
    "pcloud drive": "pCloud",
    "megasync": "MEGA",
}


def default_database() -> Path:
    """The database used when no --db is given, in the user's data folder."""
    return user_data_path(APP_NAME, appauthor=False) / "tpchart.db"


def demo_database() -> Path:
    """The demo database (made-up patients for trying tpchart), beside the default one
    and never the same file: demo records must not mix with a clinic's."""
    return user_data_path(APP_NAME, appauthor=False) / "tpchart-demo.db"


def default_backup_folder() -> Path:
    """Where automatic backups go unless the doctor picks another folder."""
    return user_data_path(APP_NAME, appauthor=False) / "backups"


def backup_folder_for(database: Path) -> Path:
    """The default backup folder of ``database``: the common one for the default
    database, a sub-folder per other database so their rotations never mix."""
    database = Path(database).resolve()
    if database == default_database().resolve():
        return default_backup_folder()
    tag = hashlib.sha1(str(database).encode()).hexdigest()[:8]
    return default_backup_folder() / f"{database.stem}-{tag}"


def log_folder() -> Path:
    """Where the rotating log file lives."""
    return user_log_path(APP_NAME, appauthor=False)


def location_warnings(
    path: Path, what: str = "database", mounts: str | None = None, platform: str | None = None
) -> list[str]:
    """Plain-words reasons why ``path`` is an unsafe place for the ``what`` (empty when safe).

    ``mounts`` (the text of /proc/mounts) and ``platform`` are for tests.
    """
    platform = platform or sys.platform
    warnings = []
    network = _network_file_system(path, mounts, platform)
    if network:
        warnings.append(
            f"The {what} at {path} is on a network drive ({network}). SQLite cannot lock "
            "files reliably there, so a dropped connection or a second computer can damage "
            f"the records. Keep the {what} on this computer's own disk."
        )
    cloud = cloud_service(path)
    if cloud:
        warnings.append(
            f"The {what} at {path} is in a folder synchronised by {cloud}. Sync clients copy "
            "the database and its journal separately and can bring back an old copy or make "
            f"conflicting copies. Keep the {what} outside the {cloud} folder."
        )
    return warnings


def on_network_drive(path: Path) -> bool:
    """True when ``path`` lies on a network file system (see ``location_warnings``)."""
    return _network_file_system(path, None, sys.platform) is not None


def cloud_service(path: Path) -> str | None:
    """The sync service whose folder holds ``path``, if any."""
    for part in PurePath(path).parts:
        name = part.casefold()
        for marker, service in CLOUD_FOLDERS.items():
            # "Dropbox", "Dropbox (Clinic)", "OneDrive - Clinic Ltd" all count.
            if name == marker or name.startswith((marker + " ", marker + "-", marker + "(")):
                return service
    return None


def _network_file_system(path: Path, mounts: str | None, platform: str) -> str | None:
    if platform == "win32":
        return _windows_network_drive(path)
    if mounts is None:
        try:
            mounts = Path("/proc/mounts").read_text(encoding="utf-8", errors="replace")
        except OSError:
            return None  # macOS and others: no /proc; the cloud check still applies
    target = _resolved(path)
    best, best_type = "", None
    for line in mounts.splitlines():
        fields = line.split()
        if len(fields) < 3:
            continue
        mount_point = fields[1].replace("\\040", " ")
        if _is_within(target, mount_point) and len(mount_point) >= len(best):
            best, best_type = mount_point, fields[2]
    if best_type and (best_type in NETWORK_FILE_SYSTEMS or best_type.startswith("nfs")):
        return best_type
    return None


def _windows_network_drive(path: Path) -> str | None:
    text = str(path)
    if text.startswith(("\\\\", "//")):
        return "a shared folder (UNC path)"
    if sys.platform == "win32":  # pragma: no cover - Windows only
        import ctypes

        drive = os.path.splitdrive(os.path.abspath(text))[0] + "\\"
        if ctypes.windll.kernel32.GetDriveTypeW(drive) == 4:  # DRIVE_REMOTE
            return f"mapped network drive {drive}"
    return None


def _resolved(path: Path) -> str:
    """The absolute path, resolving symlinks of the part that exists."""
    path = Path(path).absolute()
    existing = path
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    return str(existing.resolve() / path.relative_to(existing))


def _is_within(target: str, mount_point: str) -> bool:
    return mount_point == "/" or target == mount_point or target.startswith(mount_point + "/")
