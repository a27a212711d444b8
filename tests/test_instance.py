"""The instance folder and the SQLite file are private to the account that runs Flashcall."""
import os
import stat

from flashcall import config
from flashcall.db import create_private_file


def test_the_instance_folder_is_0700_and_the_database_file_0600(tmp_path, monkeypatch):
    old = os.umask(0o022)  # a usual umask would give 0755 and 0644
    try:
        monkeypatch.setattr(config, "INSTANCE", tmp_path / "instance")
        folder = config.ensure_instance()
        create_private_file(str(folder / "flashcall.db"))
    finally:
        os.umask(old)
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE((folder / "flashcall.db").stat().st_mode) == 0o600


def test_an_existing_open_instance_folder_is_closed(tmp_path, monkeypatch):
    folder = tmp_path / "instance"
    folder.mkdir(mode=0o755)
    folder.chmod(0o755)
    monkeypatch.setattr(config, "INSTANCE", folder)
    config.ensure_instance()
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
