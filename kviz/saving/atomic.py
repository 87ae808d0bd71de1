"""Atomic file writes: never leave a half-written model file behind.

The content is written to a temporary file in the destination's directory, flushed to disk,
and moved over the destination with :func:`os.replace` (atomic on POSIX and Windows). If
anything fails in between, the temporary file is removed and the previous file, if any, is
left exactly as it was.

>>> import os, tempfile
>>> d = tempfile.mkdtemp()
>>> def write(tmp):
...     with open(tmp, 'w') as fh:
...         fh.write('ok')
>>> atomic_write(os.path.join(d, 'f.txt'), write)
True
>>> open(os.path.join(d, 'f.txt')).read()
'ok'
"""

from __future__ import annotations

import os
import tempfile


def ask_to_proceed_with_overwrite(filepath) -> bool:
    """Keras's prompt: ``[WARNING] <path> already exists - overwrite? [y/n]``."""
    overwrite = input(f"[WARNING] {filepath} already exists - overwrite? [y/n]").strip().lower()
    while overwrite not in ("y", "n"):
        overwrite = input('Enter "y" (overwrite) or "n" (cancel).').strip().lower()
    if overwrite == "n":
        return False
    print("[TIP] Next time specify overwrite=True!")
    return True


def should_write(filepath, overwrite) -> bool:
    """False when the user declines to overwrite an existing file (``overwrite=False``)."""
    if not overwrite and os.path.isfile(filepath):
        return ask_to_proceed_with_overwrite(filepath)
    return True


def atomic_write(filepath, write_fn, overwrite=True) -> bool:
    """Call ``write_fn(tmp_path)`` and move the result to ``filepath``; returns whether it wrote.

    The destination directory is created if needed. Exceptions from ``write_fn`` propagate after
    the temporary file is removed.
    """
    filepath = os.fspath(filepath)
    if not should_write(filepath, overwrite):
        return False
    directory = os.path.dirname(os.path.abspath(filepath))
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(
        prefix=f".{os.path.basename(filepath)}.", suffix=".tmp", dir=directory
    )
    os.close(fd)
    try:
        write_fn(tmp)
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        if os.path.exists(filepath):
            try:  # keep the permissions of the file being replaced
                os.chmod(tmp, os.stat(filepath).st_mode & 0o7777)
            except OSError:
                pass
        else:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, filepath)
    except BaseException:
        try:
            os.remove(tmp)
        except OSError:
            pass
        raise
    return True
