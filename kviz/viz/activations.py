"""What each layer computes for given inputs: ``activations(model, x, layers=None)``.

The values come from one ``predict`` of a multi-output ``Model`` over the chosen layers'
outputs (the Keras recipe ``Model(model.inputs, [layer.output, ...])``), built once per model
and set of layers and then reused. Layers of a nested model are read in one more pass of that
nested model, fed with the values that reach it in the outer pass.

Naming: the result is keyed by layer name, and layers inside a nested model by their path,
``'inner/conv'`` (layer ``conv`` of the nested model ``inner``). ``layers`` may list names,
paths, indices into ``model.layers`` and ``Layer`` objects, mixed; a bare name also finds a
nested layer when it is unique in the model tree (the key is still its path).

>>> import numpy as np
>>> from kviz import layers, models
>>> model = models.Sequential([
...     layers.Conv2D(2, 3, activation='relu', input_shape=(5, 5, 1), name='conv'),
...     layers.Flatten(name='flat'),
...     layers.Dense(3, activation='softmax', name='probs')])
>>> acts = activations(model, np.zeros((4, 5, 5, 1)))
>>> {name: a.shape for name, a in acts.items()}
{'conv': (4, 3, 3, 2), 'flat': (4, 18), 'probs': (4, 3)}
>>> list(activations(model, np.zeros((1, 5, 5, 1)), layers=['probs', 0]))
['probs', 'conv']

``hidden_states(model, x, layer)`` gives a recurrent layer's output at every time step, also
for layers built with ``return_sequences=False`` (which only return the last one).
"""

from __future__ import annotations

import weakref

import numpy as np

from kviz.graph import execution
from kviz.layers.base import Layer
from kviz.layers.wrappers.bidirectional import Bidirectional
from kviz.models.functional import Model
from kviz.viz.layer_lookup import (
    LayerRef,
    all_output_tensors,
    graph_model,
    node_in,
    resolve,
    walk,
)

_PROBES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _as_list(x):
    return list(x) if isinstance(x, (list, tuple)) else [x]


def _probe(model, tensors):
    """A cached multi-output ``Model(model.inputs, tensors)``."""
    key = tuple(id(t) for t in tensors)
    try:
        cache = _PROBES.setdefault(model, {})
    except TypeError:
        cache = {}
    probe = cache.get(key)
    if probe is None:
        probe = Model(list(model.inputs), list(tensors), name=f"{model.name}_activations")
        cache[key] = (probe, tuple(tensors))
    else:
        probe = probe[0]
    return probe


def _values(model, inputs, tensors, batch_size):
    """Values of ``tensors`` (symbolic tensors of ``model``'s graph) for ``inputs`` (a list)."""
    fed = {id(t): v for t, v in zip(model.inputs, inputs, strict=True)}
    wanted, seen = [], set()
    for t in tensors:
        if id(t) not in fed and id(t) not in seen:
            seen.add(id(t))
            wanted.append(t)
    got = {}
    if wanted:
        probe = _probe(model, wanted)
        feed = inputs[0] if len(inputs) == 1 else list(inputs)
        out = probe.predict(feed, batch_size=batch_size, verbose=0)
        out = list(out) if isinstance(out, (list, tuple)) else [out]
        got = {id(t): np.asarray(v) for t, v in zip(wanted, out, strict=True)}
    got.update({k: np.asarray(v) for k, v in fed.items()})
    return [got[id(t)] for t in tensors]


def _check_inputs(model, x):
    inputs = _as_list(x) if len(model.inputs) > 1 else [x[0] if _single_list(x) else x]
    if len(inputs) != len(model.inputs):
        raise ValueError(
            f"Model {model.name!r} has {len(model.inputs)} inputs "
            f"({[t.name for t in model.inputs]}); received {len(inputs)} arrays"
        )
    out = []
    for t, v in zip(model.inputs, inputs, strict=True):
        v = np.asarray(v)
        want = tuple(t.shape)
        if v.ndim != len(want) or any(
            w is not None and w != g for w, g in zip(want[1:], v.shape[1:], strict=True)
        ):
            raise ValueError(
                f"Input {t.name!r} of model {model.name!r} expects arrays of shape {want} "
                f"(batch first); received shape {v.shape}"
            )
        out.append(v)
    return out


def _single_list(x):
    return isinstance(x, (list, tuple)) and len(x) == 1


def _run(refs, model, inputs, depth, batch_size, result):
    """Fill ``result[ref.key]`` for every ref held (directly or deeper) by ``model``."""
    direct = [r for r in refs if len(r.owners) == depth + 1]
    deeper: dict[int, list[LayerRef]] = {}
    nested_models = {}
    for r in refs:
        if len(r.owners) > depth + 1:
            inner = r.owners[depth + 1]
            deeper.setdefault(id(inner), []).append(r)
            nested_models[id(inner)] = inner
    tensors, slots = [], []
    for r in direct:
        outs = all_output_tensors(r)
        slots.append(("layer", r, len(tensors), len(outs)))
        tensors.extend(outs)
    for key, inner in nested_models.items():
        ins = list(node_in(model, inner).input_tensors)
        slots.append(("nested", key, len(tensors), len(ins)))
        tensors.extend(ins)
    values = _values(model, inputs, tensors, batch_size)
    for kind, what, start, count in slots:
        got = values[start : start + count]
        if kind == "layer":
            result[what.key] = got[0] if count == 1 else got
        else:
            inner = nested_models[what]
            _run(deeper[what], inner, got, depth + 1, batch_size, result)


def activations(model, x, layers=None, batch_size=32):
    """A dict layer key -> NumPy array of that layer's output for ``x``.

    Args:
        model: a Sequential (built, or built here from ``x``'s shape) or functional model.
        x: the model's input (an array, or a list of arrays for several inputs).
        layers: None for every layer (input layers excluded; a nested model and then its own
            layers, keyed ``'inner/layer'``), or a list of names/paths, indices into
            ``model.layers`` and Layer objects (a single one is accepted too).
        batch_size: passed to ``predict``.

    A layer with several outputs (e.g. ``return_state=True``) maps to a list of arrays; a
    layer called several times in the model is read at its first call. Values are computed in
    inference mode (``training=False``). Unknown names raise a ValueError that lists the
    available layers.
    """
    model = graph_model(model, x)
    if layers is None:
        refs = list(walk(model))
    else:
        if isinstance(layers, (str, int, np.integer, Layer, LayerRef)):
            layers = [layers]
        refs = [resolve(model, spec) for spec in layers]
    inputs = _check_inputs(model, x)
    result: dict = {}
    _run(refs, model, inputs, 0, batch_size, result)
    return {r.key: result[r.key] for r in refs}


def _sequence_config(config):
    """``config`` with ``return_sequences=True``, ``return_state=False``, ``stateful=False``."""
    config = dict(config)
    for name in ("layer", "forward_layer", "backward_layer"):
        if isinstance(config.get(name), dict) and "config" in config[name]:
            config[name] = dict(config[name], config=_sequence_config(config[name]["config"]))
    if "return_sequences" in config:
        config["return_sequences"] = True
        config["return_state"] = False
        config["stateful"] = False
    return config


def hidden_states(model, x, layer, batch_size=32):
    """A recurrent layer's output at every time step: ``(samples, time, units)``.

    For a layer built with ``return_sequences=True`` this is its activation. Otherwise a copy
    of the layer with ``return_sequences=True`` and the same weights runs on the layer's input
    (masks from an ``Embedding(mask_zero=True)`` are not applied in that copy).

    >>> import numpy as np
    >>> from kviz import layers, models
    >>> model = models.Sequential([layers.SimpleRNN(3, input_shape=(5, 2), name='rnn')])
    >>> states = hidden_states(model, np.ones((2, 5, 2)), 'rnn')
    >>> states.shape
    (2, 5, 3)
    >>> bool(np.allclose(states[:, -1], model.predict(np.ones((2, 5, 2)), verbose=0)))
    True
    """
    model = graph_model(model, x)
    ref = resolve(model, layer)
    lyr = ref.layer
    inner = lyr.layer if isinstance(lyr, Bidirectional) else lyr
    if not hasattr(inner, "return_sequences"):
        raise ValueError(
            f"hidden_states needs a recurrent layer (SimpleRNN, LSTM, GRU, RNN, Bidirectional); "
            f"layer {ref.key!r} is a {type(lyr).__name__}"
        )
    if getattr(lyr, "return_sequences", False) and not getattr(lyr, "return_state", False):
        return activations(model, x, [ref], batch_size=batch_size)[ref.key]
    owner = ref.owners[-1]
    node = node_in(owner, lyr)
    # the layer's input: read it as the output of whatever feeds it
    seq = _tensor_value(model, x, ref.owners, node.input_tensors[0], batch_size)
    copy = type(lyr).from_config(_sequence_config(lyr.get_config()))
    copy(seq[:1])
    copy.set_weights(lyr.get_weights())
    out = copy(seq, training=False)
    out = out[0] if isinstance(out, (list, tuple)) else out
    return np.asarray(getattr(out, "data", out))


def _tensor_value(model, x, owners, tensor, batch_size):
    """The value of ``tensor`` (a tensor in ``owners[-1]``'s graph) for ``x``."""
    inputs = _check_inputs(model, x)
    for depth in range(1, len(owners)):
        ins = list(node_in(owners[depth - 1], owners[depth]).input_tensors)
        inputs = _values(owners[depth - 1], inputs, ins, batch_size)
    return _values(owners[-1], inputs, [tensor], batch_size)[0]


def level_inputs(model, x, owners):
    """The input values of each model in ``owners`` (outermost first) for ``x``: a list of lists.

    Runs eagerly (no ``predict``), so it also works inside a gradient tape.
    """
    inputs = _check_inputs(model, x)
    out = [inputs]
    for depth in range(1, len(owners)):
        outer = owners[depth - 1]
        ins = list(node_in(outer, owners[depth]).input_tensors)
        feed = {id(t): v for t, v in zip(outer.inputs, inputs, strict=True)}
        inputs = [np.asarray(v) for v in execution.evaluate(ins, feed, training=False)]
        out.append(inputs)
    return out


__all__ = ["activations", "hidden_states", "level_inputs"]
