"""``get_file``: Keras's download cache, with clear errors when a machine is offline.

``kviz.utils.get_file`` (and ``kviz.utils.data_utils.get_file``) re-export this module's
function; it lives here because ``kviz.datasets`` (level 8) may not import ``kviz.utils``.

The cache directory is ``cache_dir`` if given, else ``$KERAS_HOME`` (read at every call, as
Keras 2.2 did), else ``~/.keras``; files go to ``<cache>/<cache_subdir>/<fname>``.

* A cached file is used when it exists and (if a hash is given) its hash matches.
* Otherwise the file is downloaded with :mod:`urllib` (a 10 s connect timeout; DNS look-ups that
  hang are cut off too) to a temporary file, hash-checked, then moved into place with
  :func:`os.replace`, so an interrupted download never leaves a half file under the real name.
* When the download fails, :class:`DownloadError` names the URL and the exact path where the
  file can be placed by hand.

>>> import hashlib, os, tempfile
>>> tmp = tempfile.TemporaryDirectory()
>>> d = tmp.name
>>> os.makedirs(os.path.join(d, 'datasets'))
>>> with open(os.path.join(d, 'datasets', 'a.txt'), 'wb') as f:
...     _ = f.write(b'hello')
>>> sha = hashlib.sha256(b'hello').hexdigest()
>>> p = get_file('a.txt', 'https://example.invalid/a.txt', file_hash=sha, cache_dir=d)
>>> p == os.path.join(d, 'datasets', 'a.txt')
True
>>> tmp.cleanup()
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sys
import tarfile
import tempfile
import threading
import urllib.error
import urllib.request
import zipfile
from urllib.parse import urlsplit

from kviz.engine.progbar import Progbar

CONNECT_TIMEOUT_S = 10.0
_CHUNK = 1 << 16


class DownloadError(OSError):
    """A file could not be downloaded (offline, HTTP error, timeout...)."""


def cache_base_dir(cache_dir=None) -> str:
    """``cache_dir``, else ``$KERAS_HOME``, else ``~/.keras`` (``~`` expanded)."""
    if cache_dir is None:
        cache_dir = os.environ.get("KERAS_HOME") or os.path.join("~", ".keras")
    return os.path.expanduser(os.fspath(cache_dir))


def _resolve_algorithm(algorithm, file_hash=None) -> str:
    if algorithm in ("sha256", "md5"):
        return algorithm
    if algorithm != "auto":
        raise ValueError(f"hash_algorithm must be 'auto', 'sha256' or 'md5'; got {algorithm!r}")
    return "sha256" if file_hash is not None and len(file_hash) == 64 else "md5"


def hash_file(fpath, algorithm="sha256", chunk_size=_CHUNK) -> str:
    """The hex digest of a file (``algorithm``: 'sha256', 'md5' or 'auto' = sha256)."""
    algorithm = "sha256" if algorithm == "auto" else _resolve_algorithm(algorithm)
    hasher = hashlib.new(algorithm)
    with open(fpath, "rb") as f:
        for chunk in iter(lambda: f.read(chunk_size), b""):
            hasher.update(chunk)
    return hasher.hexdigest()


def validate_file(fpath, file_hash, algorithm="auto", chunk_size=_CHUNK) -> bool:
    """True when the file's hash equals ``file_hash`` ('auto': sha256 for 64 hex digits)."""
    algorithm = _resolve_algorithm(algorithm, file_hash)
    return hash_file(fpath, algorithm, chunk_size) == str(file_hash).lower()


def _is_within(path, base) -> bool:
    base = os.path.realpath(base)
    return os.path.commonpath([base, os.path.realpath(path)]) == base


def extract_archive(file_path, path=".", archive_format="auto") -> bool:
    """Extract a tar(.gz/.bz2/.xz) or zip archive into ``path``; False if it is neither.

    Members that would land outside ``path`` (absolute names, ``..``, links pointing out) are
    refused with a ValueError. A failed extraction removes what it wrote.
    """
    if archive_format is None:
        return False
    formats = ["tar", "zip"] if archive_format == "auto" else archive_format
    if isinstance(formats, str):
        formats = [formats]
    file_path, path = os.fspath(file_path), os.fspath(path)
    for fmt in formats:
        if fmt == "tar" and tarfile.is_tarfile(file_path):
            opener = tarfile.open
        elif fmt == "zip" and zipfile.is_zipfile(file_path):
            opener = zipfile.ZipFile
        else:
            continue
        with opener(file_path) as archive:
            names = archive.getnames() if fmt == "tar" else archive.namelist()
            for name in names:
                if not _is_within(os.path.join(path, name), path):
                    raise ValueError(f"archive {file_path} has a member outside its folder: {name}")
            if fmt == "tar":
                for m in archive.getmembers():
                    if (m.issym() or m.islnk()) and not _is_within(
                        os.path.join(path, os.path.dirname(m.name), m.linkname), path
                    ):
                        raise ValueError(
                            f"archive {file_path} has a link out of its folder: {m.name}"
                        )
            top = {os.path.join(path, n.split("/")[0]) for n in names if n}
            existed = {t for t in top if os.path.exists(t)}
            try:
                archive.extractall(path)
            except (Exception, KeyboardInterrupt):
                for t in top - existed:
                    if os.path.isdir(t) and not os.path.islink(t):
                        shutil.rmtree(t, ignore_errors=True)
                    elif os.path.exists(t):
                        os.remove(t)
                raise
        return True
    return False


def _connect(url, timeout):
    """``urlopen(url)`` with a deadline that also covers a hanging DNS look-up."""
    result: dict = {}

    def work():
        try:
            result["response"] = urllib.request.urlopen(url, timeout=timeout)
        except BaseException as e:  # handed to the caller
            result["error"] = e

    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    thread.join(timeout + 1.0)
    if thread.is_alive():
        raise urllib.error.URLError(f"no answer within {timeout:.0f} s")
    if "error" in result:
        raise result["error"]
    return result["response"]


def _placement_hint(origin, fpath, extra=""):
    return (
        f"To use it offline, download {origin} on a machine with internet access and place it "
        f"at:\n    {fpath}\n{extra}(kviz looks in $KERAS_HOME/<subdir>, default ~/.keras/<subdir>; "
        "set KERAS_HOME or pass cache_dir= to use another folder.)"
    )


def _download(origin, fpath, file_hash, algorithm, verbose=True, extra_hint=""):
    """Download ``origin`` to ``fpath`` through a temporary file; check the hash; move."""
    datadir = os.path.dirname(fpath)
    if verbose:
        print(f"Downloading data from {origin}", file=sys.stdout, flush=True)
    try:
        response = _connect(origin, CONNECT_TIMEOUT_S)
    except urllib.error.HTTPError as e:
        raise DownloadError(
            f"URL fetch failure on {origin}: HTTP {e.code} {e.msg}.\n"
            + _placement_hint(origin, fpath, extra_hint)
        ) from e
    except (urllib.error.URLError, OSError, ValueError) as e:
        reason = getattr(e, "reason", e)
        raise DownloadError(
            f"URL fetch failure on {origin}: {reason}. The machine may be offline.\n"
            + _placement_hint(origin, fpath, extra_hint)
        ) from e
    fd, tmp = tempfile.mkstemp(prefix=os.path.basename(fpath) + ".", suffix=".part", dir=datadir)
    try:
        with response, os.fdopen(fd, "wb") as out:
            total = response.headers.get("Content-Length") if response.headers else None
            total = int(total) if total and str(total).isdigit() else None
            bar = Progbar(total, unit_name="B") if verbose else None
            done = 0
            for chunk in iter(lambda: response.read(_CHUNK), b""):
                out.write(chunk)
                done += len(chunk)
                if bar is not None:
                    bar.update(min(done, total) if total else done, finalize=False)
            if bar is not None:
                bar.update(done, finalize=True)
        if file_hash is not None and not validate_file(tmp, file_hash, algorithm):
            actual = hash_file(tmp, algorithm)
            raise ValueError(
                f"Incomplete or corrupted file detected: the {algorithm} hash of the file "
                f"downloaded from {origin} is {actual}, expected {file_hash}. The download was "
                "removed; try again."
            )
        os.replace(tmp, fpath)
    except BaseException as e:
        if os.path.exists(tmp):
            os.remove(tmp)
        if isinstance(e, (OSError, urllib.error.URLError)) and not isinstance(e, DownloadError):
            raise DownloadError(
                f"URL fetch failure on {origin} while reading: {e}.\n"
                + _placement_hint(origin, fpath, extra_hint)
            ) from e
        raise


def _writable_dir(datadir) -> bool:
    try:
        os.makedirs(datadir, exist_ok=True)
    except OSError:
        return False
    return os.access(datadir, os.W_OK)


def get_file(
    fname=None,
    origin=None,
    untar=False,
    md5_hash=None,
    file_hash=None,
    cache_subdir="datasets",
    hash_algorithm="auto",
    extract=False,
    archive_format="auto",
    cache_dir=None,
):
    """Return the local path of ``fname``, downloading it from ``origin`` unless cached.

    Args follow Keras 2 (``keras.utils.get_file``): ``untar=True`` treats ``fname`` as the
    folder an ``fname + '.tar.gz'`` archive extracts to and returns that folder;
    ``extract=True`` extracts tar or zip archives next to the file; ``md5_hash`` is the Keras 1
    spelling of ``file_hash`` with ``hash_algorithm='md5'``; ``'auto'`` means sha256 for a
    64-hex-digit hash, else md5. Differences from Keras: an already extracted ``untar`` folder
    is used even when the archive is gone, and a read-only cache folder is still searched
    before falling back to ``/tmp/.keras`` for downloads.
    """
    if origin is None:
        raise ValueError('Please specify the "origin" argument (URL of the file to download).')
    if md5_hash is not None and file_hash is None:
        file_hash, hash_algorithm = md5_hash, "md5"
    if fname is not None:
        fname = os.fspath(fname)
    if not fname:
        fname = os.path.basename(urlsplit(origin).path)
        if not fname:
            raise ValueError(
                f"Can't parse the file name from the origin provided: '{origin}'. "
                "Please specify the `fname` argument."
            )
    if untar and fname.endswith(".tar.gz"):
        fname = fname[: -len(".tar.gz")]
    algorithm = _resolve_algorithm(hash_algorithm, file_hash)
    datadir = os.path.join(cache_base_dir(cache_dir), cache_subdir)
    target = os.path.join(datadir, fname)
    fpath = target + ".tar.gz" if untar else target

    if untar and os.path.isdir(target) and not os.path.exists(fpath):
        return target
    stale = None
    if os.path.exists(fpath):
        if file_hash is None or validate_file(fpath, file_hash, algorithm):
            return _finish(fpath, target, datadir, untar, extract, archive_format)
        stale = hash_file(fpath, algorithm)
        print(
            f"A local file was found at {fpath}, but its {algorithm} hash {stale} does not match "
            f"the expected {file_hash}, so it will be downloaded again.",
            flush=True,
        )
    if not _writable_dir(datadir):
        datadir = os.path.join(tempfile.gettempdir(), ".keras", cache_subdir)
        os.makedirs(datadir, exist_ok=True)
        target = os.path.join(datadir, fname)
        fpath = target + ".tar.gz" if untar else target
    try:
        hint = f"or place its extracted folder at:\n    {target}\n" if untar else ""
        _download(origin, fpath, file_hash, algorithm, extra_hint=hint)
    except DownloadError as e:
        if stale is not None:
            raise DownloadError(
                f"{e}\nNote: the file already at that path has the {algorithm} hash {stale}, "
                f"not the expected {file_hash}; replace it with the original file."
            ) from e.__cause__
        raise
    return _finish(fpath, target, datadir, untar, extract, archive_format)


def _finish(fpath, target, datadir, untar, extract, archive_format):
    if untar:
        if not os.path.exists(target):
            extract_archive(fpath, datadir, archive_format="tar")
        return target
    if extract:
        extract_archive(fpath, datadir, archive_format)
    return fpath
