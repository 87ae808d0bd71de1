"""Issue #5 audit: weight/gradient histograms of values that are (nearly) equal and large.

Before the fix NumPy raised "Too many bins for data range" for values such as ``1e6`` and
``1e6 + 1e-9`` (or a constant ``1e20``): a ModelGraph click on such a layer failed, and so did
``LivePlot(histograms=True)`` in the middle of ``fit`` when gradients exploded.
"""

from __future__ import annotations

import numpy as np
import pytest

from kviz import layers as L
from kviz.models import Sequential
from kviz.viz import node_details as nd
from kviz.viz import training_stats as ts
from kviz.viz.node_details import histogram_range

CASES = [
    np.array([1e6, 1e6 + 1e-9, 1e6]),
    np.full(7, 1e20),
    np.full(3, -2.5),
    np.array([-1e-300, 1e-300]),
    np.array([0.0, 1.0, 2.0]),
]


@pytest.mark.parametrize("values", CASES, ids=["near-equal", "huge", "constant", "tiny", "plain"])
@pytest.mark.parametrize("histogram", [ts.histogram, nd.histogram], ids=["stats", "details"])
def test_histograms_of_close_values(values, histogram):
    h = histogram(values, bins=30)
    edges = np.asarray(h["edges"])
    assert len(edges) == 31 and np.all(np.diff(edges) > 0)
    assert edges[0] <= values.min() and values.max() <= edges[-1]
    assert sum(h["counts"]) == values.size


def test_histogram_range():
    assert histogram_range(0.0, 2.0, 4) == (0.0, 2.0)
    assert histogram_range(3.0, 3.0, 10) == (2.5, 3.5)  # NumPy's choice for constant data
    lo, hi = histogram_range(1e6, 1e6 + 1e-9, 30)
    assert lo < 1e6 < hi and np.all(np.diff(np.linspace(lo, hi, 31)) > 0)


def test_weight_details_and_weight_histograms_of_a_huge_constant_kernel():
    model = Sequential([L.Dense(3, input_shape=(2,), name="d")])
    kernel = np.full((2, 3), 1e20, dtype="float32")  # 1e20 +- 0.5 is 1e20 again
    model.get_layer("d").set_weights([kernel, np.zeros(3, "float32")])
    details = nd.weight_details(model.get_layer("d"))
    assert sum(details[0]["histogram"]["counts"]) == 6
    hist = ts.weight_histograms(model, bins=30)
    assert sum(hist["d"]["kernel"]["counts"]) == 6
