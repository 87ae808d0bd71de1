"""RemoteMonitor against a local HTTP server (127.0.0.1, a thread, stopped by the fixture):
form and JSON payloads, path, headers; an unreachable server only warns."""

from __future__ import annotations

import json
import socket
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from cb_helpers import classifier, fit

from kviz.callbacks import RemoteMonitor


@pytest.fixture
def server():
    """A local server recording every POST as (path, headers, body); answers 200 (or the
    status in ``server.status``)."""
    received = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server's name
            length = int(self.headers.get("Content-Length", 0))
            received.append((self.path, dict(self.headers), self.rfile.read(length)))
            self.send_response(httpd.status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):  # keep the test output clean
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.status = 200
    httpd.received = received
    httpd.root = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(
        target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        yield httpd
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


def test_form_payload(server):
    history = fit(classifier(), [RemoteMonitor(root=server.root)], epochs=2)
    assert len(server.received) == 2
    for epoch, (path, headers, body) in enumerate(server.received):
        assert path == "/publish/epoch/end/"
        assert headers["Content-Type"] == "application/x-www-form-urlencoded"
        form = urllib.parse.parse_qs(body.decode())
        assert list(form) == ["data"]
        payload = json.loads(form["data"][0])
        expected = {"epoch": epoch} | {k: v[epoch] for k, v in history.history.items()}
        assert payload == expected


def test_json_payload_path_field_and_headers(server):
    cb = RemoteMonitor(
        root=server.root,
        path="/metrics",
        field="ignored",
        headers={"X-Run": "exp-1"},
        send_as_json=True,
    )
    history = fit(classifier(), [cb], epochs=1)
    path, headers, body = server.received[0]
    assert path == "/metrics"
    assert headers["Content-Type"] == "application/json"
    assert headers["X-Run"] == "exp-1"
    payload = json.loads(body)
    assert payload["epoch"] == 0 and payload["val_loss"] == history.history["val_loss"][0]
    assert sorted(payload) == ["accuracy", "epoch", "loss", "val_accuracy", "val_loss"]


def test_custom_field_and_numpy_values(server):
    from kviz.callbacks import ReduceLROnPlateau

    fit(classifier(), [ReduceLROnPlateau(), RemoteMonitor(root=server.root, field="d")], epochs=1)
    form = urllib.parse.parse_qs(server.received[0][2].decode())
    payload = json.loads(form["d"][0])
    assert payload["lr"] == pytest.approx(0.01)  # a float32 in the logs, a number in JSON


def test_http_error_status_is_not_a_connection_failure(server, recwarn):
    server.status = 500
    fit(classifier(), [RemoteMonitor(root=server.root)], epochs=1)
    assert len(server.received) == 1
    assert not [w for w in recwarn if "RemoteMonitor" in str(w.message)]


def test_unreachable_server_warns_and_training_goes_on():
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    root = f"http://127.0.0.1:{port}"
    with pytest.warns(
        UserWarning, match=f"Warning: could not reach RemoteMonitor root server at {root}"
    ):
        history = fit(classifier(), [RemoteMonitor(root=root, timeout=2)], epochs=2)
    assert len(history.history["loss"]) == 2
