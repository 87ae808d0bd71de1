"""kviz.utils.get_file: cache lookup, downloads (urlopen monkeypatched), hashes, archives,
and the offline error (a URLError, or a connection that hangs)."""

from __future__ import annotations

import hashlib
import io
import os
import tarfile
import time
import urllib.error
import urllib.request
import zipfile

import pytest

from kviz.datasets import _files
from kviz.utils import get_file
from kviz.utils.data_utils import DownloadError, validate_file

URL = "https://example.invalid/files/data.bin"
PAYLOAD = b"kviz-test-payload" * 1000


class FakeResponse(io.BytesIO):
    def __init__(self, data):
        super().__init__(data)
        self.headers = {"Content-Length": str(len(data))}


@pytest.fixture
def serve(monkeypatch):
    """``serve({url: bytes})``: urlopen answers those URLs; returns the list of requested URLs."""
    requested = []

    def install(table):
        def fake_urlopen(url, timeout=None):
            requested.append(url)
            assert timeout is not None and timeout <= 30
            if url not in table:
                raise urllib.error.HTTPError(url, 404, "Not Found", {}, None)
            return FakeResponse(table[url])

        monkeypatch.setattr(urllib.request, "urlopen", fake_urlopen)
        return requested

    return install


@pytest.fixture
def home(tmp_path, monkeypatch):
    d = tmp_path / "keras_home"
    monkeypatch.setenv("KERAS_HOME", str(d))
    return d


def _leftovers(folder):
    return [p for p in os.listdir(folder) if p.endswith(".part")]


def test_download_into_keras_home_then_reuse(home, serve, capsys):
    requested = serve({URL: PAYLOAD})
    sha = hashlib.sha256(PAYLOAD).hexdigest()
    path = get_file("data.bin", URL, file_hash=sha)
    assert path == str(home / "datasets" / "data.bin")
    assert open(path, "rb").read() == PAYLOAD
    assert f"Downloading data from {URL}" in capsys.readouterr().out
    assert get_file("data.bin", URL, file_hash=sha) == path  # cached: no second request
    assert requested == [URL]
    assert _leftovers(home / "datasets") == []


def test_keras_home_is_read_at_call_time_and_cache_dir_wins(tmp_path, monkeypatch, serve):
    serve({URL: PAYLOAD})
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "a"))
    assert get_file("x.bin", URL).startswith(str(tmp_path / "a"))
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "b"))
    assert get_file("x.bin", URL).startswith(str(tmp_path / "b"))
    p = get_file("x.bin", URL, cache_dir=str(tmp_path / "c"), cache_subdir="sub")
    assert p == str(tmp_path / "c" / "sub" / "x.bin")
    monkeypatch.delenv("KERAS_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert get_file("x.bin", URL) == str(tmp_path / "home" / ".keras" / "datasets" / "x.bin")


def test_fname_from_origin_and_md5(home, serve):
    serve({URL: PAYLOAD})
    md5 = hashlib.md5(PAYLOAD).hexdigest()
    p = get_file(origin=URL, md5_hash=md5)
    assert os.path.basename(p) == "data.bin"
    assert validate_file(p, md5) and validate_file(p, md5, algorithm="md5")
    assert not validate_file(p, md5, algorithm="sha256")
    with pytest.raises(ValueError, match="origin"):
        get_file("a")


def test_bad_hash_after_download_is_removed(home, serve):
    serve({URL: PAYLOAD})
    with pytest.raises(ValueError, match=r"sha256 hash of the file downloaded .* expected 0+"):
        get_file("data.bin", URL, file_hash="0" * 64)
    assert not (home / "datasets" / "data.bin").exists()
    assert _leftovers(home / "datasets") == []


def test_stale_cached_file_is_downloaded_again(home, serve, capsys):
    requested = serve({URL: PAYLOAD})
    (home / "datasets").mkdir(parents=True)
    (home / "datasets" / "data.bin").write_bytes(b"old")
    p = get_file("data.bin", URL, file_hash=hashlib.sha256(PAYLOAD).hexdigest())
    assert open(p, "rb").read() == PAYLOAD and requested == [URL]
    assert "does not match" in capsys.readouterr().out


def test_offline_urlerror_is_fast_and_names_url_and_path(home, monkeypatch):
    def offline(url, timeout=None):
        raise urllib.error.URLError("[Errno -2] Name or service not known")

    monkeypatch.setattr(urllib.request, "urlopen", offline)
    t = time.perf_counter()
    with pytest.raises(DownloadError) as info:
        get_file("data.bin", URL, file_hash="0" * 64)
    assert time.perf_counter() - t < 5
    msg = str(info.value)
    assert URL in msg and str(home / "datasets" / "data.bin") in msg and "offline" in msg
    assert isinstance(info.value, OSError)
    assert not (home / "datasets" / "data.bin").exists()


def test_offline_with_stale_file_mentions_its_hash(home, monkeypatch):
    monkeypatch.setattr(
        urllib.request, "urlopen", lambda url, timeout=None: (_ for _ in ()).throw(OSError("down"))
    )
    (home / "datasets").mkdir(parents=True)
    (home / "datasets" / "data.bin").write_bytes(b"old")
    with pytest.raises(DownloadError, match="replace it with the original file"):
        get_file("data.bin", URL, file_hash="0" * 64)


def test_hanging_connection_times_out(home, monkeypatch):
    monkeypatch.setattr(_files, "CONNECT_TIMEOUT_S", 0.2)
    monkeypatch.setattr(urllib.request, "urlopen", lambda url, timeout=None: time.sleep(30))
    t = time.perf_counter()
    with pytest.raises(DownloadError, match="no answer within"):
        get_file("data.bin", URL)
    assert time.perf_counter() - t < 5


def test_http_error(home, serve):
    serve({})
    with pytest.raises(DownloadError, match="HTTP 404"):
        get_file("data.bin", URL)


def test_read_error_midway_leaves_no_file(home, monkeypatch):
    class Broken(FakeResponse):
        def read(self, n=-1):
            raise ConnectionResetError("reset by peer")

    monkeypatch.setattr(urllib.request, "urlopen", lambda url, timeout=None: Broken(b"x"))
    with pytest.raises(DownloadError, match="reset by peer"):
        get_file("data.bin", URL)
    assert os.listdir(home / "datasets") == []


def _tar_bytes(members):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def test_untar_and_extract(home, serve):
    tar = _tar_bytes({"pack/a.txt": b"A", "pack/sub/b.txt": b"B"})
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("zipped/c.txt", "C")
    serve({"https://h.invalid/pack.tar.gz": tar, "https://h.invalid/z.zip": buf.getvalue()})
    p = get_file("pack", "https://h.invalid/pack.tar.gz", untar=True)
    assert p == str(home / "datasets" / "pack")
    assert open(os.path.join(p, "sub", "b.txt")).read() == "B"
    assert (home / "datasets" / "pack.tar.gz").exists()
    # an extracted folder is used even without its archive (no download needed)
    os.remove(home / "datasets" / "pack.tar.gz")
    serve({})
    assert get_file("pack.tar.gz", "https://h.invalid/pack.tar.gz", untar=True) == p
    serve({"https://h.invalid/z.zip": buf.getvalue()})
    z = get_file("z.zip", "https://h.invalid/z.zip", extract=True, cache_subdir="zips")
    assert (home / "zips" / "zipped" / "c.txt").read_text() == "C" and z.endswith("z.zip")


def test_archive_members_outside_folder_are_refused(tmp_path):
    bad = tmp_path / "bad.tar.gz"
    bad.write_bytes(_tar_bytes({"../evil.txt": b"x"}))
    with pytest.raises(ValueError, match="outside"):
        _files.extract_archive(bad, tmp_path / "out")
    assert not (tmp_path / "evil.txt").exists()
    plain = tmp_path / "plain.bin"
    plain.write_bytes(b"not an archive")
    assert _files.extract_archive(plain, tmp_path / "out") is False
