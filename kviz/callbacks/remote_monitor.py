"""``RemoteMonitor``: POST the epoch logs to a server at the end of every epoch.

The payload is ``{"epoch": <0-based epoch>, <log key>: <value>, ...}`` (NumPy values as Python
numbers). With ``send_as_json=False`` (the default, as in Keras) it is sent as a form
(``application/x-www-form-urlencoded``) whose field ``field`` holds the JSON text; with
``send_as_json=True`` the body is the JSON itself (``application/json``). ``headers`` are added
to the request.

kviz uses the standard library (``urllib``) instead of ``requests``, with a short ``timeout``
(seconds, 5 by default; a kviz addition) so that an unreachable server cannot stall training.
When the server cannot be reached the callback warns
``Warning: could not reach RemoteMonitor root server at <root>`` and training goes on; an HTTP
error status from a reachable server is ignored, as ``requests`` ignores it.
"""

from __future__ import annotations

import json
import warnings

import numpy as np

from kviz.callbacks._common import to_python
from kviz.engine.callbacks_base import Callback


def _json_default(value):
    if isinstance(value, (np.ndarray, np.generic)):
        return to_python(value)
    return str(value)


class RemoteMonitor(Callback):
    """Send the logs of every epoch to ``root + path`` with an HTTP POST."""

    def __init__(
        self,
        root="http://localhost:9000",
        path="/publish/epoch/end/",
        field="data",
        headers=None,
        send_as_json=False,
        timeout=5.0,
    ):
        super().__init__()
        self.root = root
        self.path = path
        self.field = field
        self.headers = headers
        self.send_as_json = send_as_json
        self.timeout = timeout

    def on_epoch_end(self, epoch, logs=None):
        # imported here: urllib.request is slow to import and most runs never need it
        import urllib.error
        import urllib.parse
        import urllib.request
        from http.client import HTTPException

        logs = logs or {}
        send = {"epoch": epoch}
        for k, v in logs.items():
            send[k] = to_python(v)
        text = json.dumps(send, default=_json_default)
        if self.send_as_json:
            body = text.encode("utf-8")
            content_type = "application/json"
        else:
            body = urllib.parse.urlencode({self.field: text}).encode("ascii")
            content_type = "application/x-www-form-urlencoded"
        headers = {"Content-Type": content_type}
        headers.update(self.headers or {})
        request = urllib.request.Request(
            self.root + self.path, data=body, headers=headers, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                response.read()
        except urllib.error.HTTPError as e:  # the server answered: not a connection problem
            e.close()
        except (urllib.error.URLError, HTTPException, OSError, ValueError):
            warnings.warn(
                "Warning: could not reach RemoteMonitor root server at " + str(self.root),
                stacklevel=2,
            )
