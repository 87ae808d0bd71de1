"""Keep a model's weights and optimizer state on the GPU while it trains or predicts.

``fit``/``evaluate``/``predict`` and the ``*_on_batch`` methods run inside :func:`placed`.
When :func:`kviz.config.get_device` is ``'cuda'``, the model's Variables (and its optimizer's
slots) are copied to the GPU once at the start; every op on them then runs its CUDA twin
(:mod:`kviz.kernels.cuda.primitives`), batches are copied up as the first layer uses them, new
optimizer slots are created on the GPU, and only the logged numbers (and the predictions,
for the metrics and ``predict``) come down. At the end the values are copied back into host
arrays, so that the model outside these methods is an ordinary NumPy model (saving, widgets,
``get_weights``). Nested calls (``predict`` in a callback during ``fit``) reuse the placement.
On the CPU this is a no-op.
"""

from __future__ import annotations

import contextlib

from kviz import config
from kviz.kernels import device as _device


def _variables(model) -> list:
    seen, out = set(), []
    opt = getattr(model, "optimizer", None)
    groups = [getattr(model, "weights", [])]
    if opt is not None and hasattr(opt, "_slots"):
        groups.append([v for slots in opt._slots.values() for v in slots.values()])
    for group in groups:
        for v in group:
            if id(v) not in seen:
                seen.add(id(v))
                out.append(v)
    return out


@contextlib.contextmanager
def placed(model):
    """Run the block with ``model``'s state on the GPU when the device is ``'cuda'``."""
    if getattr(model, "_kviz_placed", False) or config.get_device() != "cuda":
        yield
        return
    model._kviz_placed = True
    try:
        for v in _variables(model):
            v.data = _device.to_device(v.data)
        yield
    finally:
        model._kviz_placed = False
        for v in _variables(model):  # slots created during the block included
            if _device.is_device(v.data):
                v.data = _device.to_host(v.data)


def host_results(result):
    """``result`` with GPU arrays (``predict`` outputs, in lists/dicts too) copied to the host."""
    if not _device.in_use:
        return result
    if _device.is_device(result):
        return _device.to_host(result)
    if isinstance(result, list):
        return [host_results(r) for r in result]
    if isinstance(result, dict):
        return {k: host_results(v) for k, v in result.items()}
    return result
