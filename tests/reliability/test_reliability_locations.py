"""Unsafe places for a database: network drives and cloud-synced folders are named
with the reason; ordinary local folders are not."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from tpchart.store import Store
from tpchart.store.file.locations import cloud_service, location_warnings

MOUNTS = """\
/dev/vda / ext4 rw,relatime 0 0
server:/export/clinic /mnt/clinic nfs4 rw,relatime 0 0
//nas/share /media/nas\\040share cifs rw 0 0
doctor@host:/data /home/ana/remote fuse.sshfs rw 0 0
/dev/sdb1 /mnt/clinic/usb vfat rw 0 0
"""


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("/mnt/clinic/tpchart.db", "nfs4"),
        ("/media/nas share/tpchart.db", "cifs"),
        ("/home/ana/remote/deep/folder/tpchart.db", "fuse.sshfs"),
    ],
)
def test_network_file_systems_are_named(path, kind):
    (warning,) = location_warnings(Path(path), mounts=MOUNTS, platform="linux")
    assert f"network drive ({kind})" in warning and "cannot lock" in warning


@pytest.mark.parametrize(
    "path", ["/home/ana/tpchart.db", "/mnt/clinic/usb/tpchart.db", "/mnt/clinicother/x.db"]
)
def test_local_disks_are_fine(path):
    assert location_warnings(Path(path), mounts=MOUNTS, platform="linux") == []


def test_windows_shared_folders_are_named():
    (warning,) = location_warnings(Path("//server/clinic/tpchart.db"), platform="win32")
    assert "shared folder (UNC path)" in warning


@pytest.mark.parametrize(
    ("path", "service"),
    [
        ("/home/ana/Dropbox/clinic/tpchart.db", "Dropbox"),
        ("/home/ana/Dropbox (Clinic)/tpchart.db", "Dropbox"),
        ("C:/Users/Ana/OneDrive - Clinic Ltd/tpchart.db", "OneDrive"),
        ("/Users/ana/Google Drive/My Drive/tpchart.db", "Google Drive"),
        ("/Users/ana/Library/Mobile Documents/com~apple~CloudDocs/tpchart.db", "iCloud"),
        ("/home/ana/Nextcloud/tpchart.db", "Nextcloud"),
    ],
)
def test_cloud_folders_are_named(path, service):
    assert cloud_service(Path(path)) == service
    (warning,) = location_warnings(Path(path), mounts="", platform="linux")
    assert f"synchronised by {service}" in warning


def test_ordinary_names_are_not_mistaken_for_cloud_folders():
    assert cloud_service(Path("/home/ana/Documents/dropboxes/tpchart.db")) is None


def test_opening_in_a_cloud_folder_warns_and_logs(tmp_path, caplog):
    path = tmp_path / "Dropbox" / "clinic.db"
    with caplog.at_level(logging.WARNING, logger="tpchart.store"), Store.open(path) as store:
        assert store.warnings and "Dropbox" in store.warnings[0]
    assert any("synchronised by Dropbox" in r.message for r in caplog.records)
