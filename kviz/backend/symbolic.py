"""``K.function`` and ``K.gradients``: evaluate and differentiate symbolic graphs.

This is what Keras-2 code like the filter-visualization example relies on::

    loss = K.mean(layer_output[:, :, :, filter_index])
    grads = K.gradients(loss, input_img)[0]
    iterate = K.function([input_img], [loss, grads])
    loss_value, grads_value = iterate([input_img_data])

>>> import numpy as np
>>> from kviz import backend as K
>>> x = K.placeholder(shape=(None, 3))
>>> y = K.sum(K.square(x))
>>> g = K.gradients(y, [x])[0]
>>> K.function([x], [y, g])([np.ones((1, 3), 'float32')])[1]
array([[2., 2., 2.]], dtype=float32)
"""

from __future__ import annotations

import numpy as np

from kviz import config
from kviz.autodiff.backward import gradients as tape_gradients
from kviz.autodiff.tensor import GradientTape, Tensor, Variable
from kviz.graph import execution, nest
from kviz.graph.keras_tensor import KerasTensor
from kviz.graph.naming import unique_name
from kviz.graph.node import Node, Operation
from kviz.graph.placeholder import LearningPhaseTensor


def _sources(tensor):
    """The graph inputs (nodes without inputs) that ``tensor`` depends on."""
    out, seen = [], set()
    for node in execution.nodes_in_order(tensor):
        if not node.input_tensors and id(node) not in seen:
            seen.add(id(node))
            out.extend(node.output_tensors)
    return out


class Gradients(Operation):
    """Graph node whose outputs are the gradients of ``loss`` with respect to ``wrt``."""

    trainable = False
    built = True
    weights = trainable_weights = non_trainable_weights = property(lambda self: [])

    def __init__(self, loss, wrt):
        super().__init__(unique_name("gradients"))
        self.loss = loss
        self.wrt = list(wrt)

    def _run_node(self, node, args, kwargs, ctx):
        sources = node.args[0]
        values = dict(zip([id(s) for s in sources], args[0], strict=True))
        watched = {}
        sub = execution.ExecutionContext(ctx.training)
        with GradientTape():
            for s in sources:
                v = values[id(s)]
                if any(w is s for w in self.wrt):
                    v = Tensor(np.asarray(v))
                    watched[id(s)] = v
                sub.values[id(s)] = v
            for n in execution.nodes_in_order(self.loss, stop_at=sources):
                execution.run_nodes([n], sub)
                for t in n.output_tensors:
                    if any(w is t for w in self.wrt) and id(t) not in watched:
                        leaf = Tensor(np.asarray(_raw(sub.values[id(t)])))
                        sub.values[id(t)] = leaf
                        watched[id(t)] = leaf
            loss_value = sub.values[id(self.loss)]
        targets = [watched.get(id(w), w) if isinstance(w, KerasTensor) else w for w in self.wrt]
        grads = tape_gradients(loss_value, targets)
        out = []
        for g, t in zip(grads, targets, strict=True):
            if g is None:
                g = np.zeros(np.shape(_raw(t)), dtype=_float_dtype(t))
            out.append(g)
        return out, None


def _raw(x):
    return x.data if isinstance(x, Tensor) else x


def _float_dtype(t):
    dt = np.asarray(_raw(t)).dtype
    return dt if dt.kind == "f" else np.dtype(config.floatx())


def gradients(loss, variables):
    """Symbolic gradients of a scalar symbolic ``loss`` with respect to ``variables``.

    ``variables`` may be symbolic tensors (e.g. ``model.input``) or weight Variables. The
    result is a list of symbolic tensors to pass to :func:`function`.
    """
    single = not isinstance(variables, (list, tuple))
    wrt = [variables] if single else list(variables)
    if not isinstance(loss, KerasTensor):
        raise TypeError(
            "K.gradients needs a symbolic loss (a tensor computed from model inputs or layer "
            f"outputs); received {type(loss).__name__}. For eager arrays use "
            "kviz.autodiff.GradientTape."
        )
    for w in wrt:
        if not isinstance(w, (KerasTensor, Variable)):
            raise TypeError(
                "K.gradients: each variable must be a symbolic tensor or a weight Variable; "
                f"received {type(w).__name__}"
            )
    sources = _sources(loss)
    op = Gradients(loss, wrt)
    outputs = [
        KerasTensor(
            w.shape,
            w.dtype if isinstance(w, KerasTensor) else w.dtype.name,
            name=f"{op.name}/grad:{i}",
        )
        for i, w in enumerate(wrt)
    ]
    Node(op, (list(sources),), {}, outputs)
    return outputs


class Function:
    """A callable evaluating ``outputs`` from values fed for ``inputs`` (``K.function``)."""

    def __init__(self, inputs, outputs, updates=None, name=None):
        self._single_input = not isinstance(inputs, (list, tuple))
        self.inputs = [inputs] if self._single_input else list(inputs)
        self._single_output = not isinstance(outputs, (list, tuple))
        self.outputs = [outputs] if self._single_output else list(outputs)
        self.updates = list(updates or [])
        self.name = name
        for t in self.inputs:
            if not isinstance(t, KerasTensor):
                raise TypeError(
                    "K.function inputs must be symbolic tensors (model.input, K.placeholder, "
                    f"K.learning_phase()); received {type(t).__name__}"
                )
        symbolic = [o for o in self.outputs if isinstance(o, KerasTensor)]
        fed = [t for t in self.inputs if not isinstance(t, LearningPhaseTensor)]
        self._nodes = execution.nodes_in_order(symbolic, stop_at=fed)

    def __call__(self, inputs):
        if self._single_input and not isinstance(inputs, (list, tuple)):
            inputs = [inputs]
        if isinstance(inputs, dict):
            inputs = [inputs[t.name] for t in self.inputs]
        inputs = list(inputs)
        if len(inputs) != len(self.inputs):
            raise ValueError(
                f"This K.function expects {len(self.inputs)} input value(s) (for "
                f"{[t.name for t in self.inputs]}); received {len(inputs)}"
            )
        training = None
        ctx = execution.ExecutionContext()
        for t, v in zip(self.inputs, inputs, strict=True):
            if isinstance(t, LearningPhaseTensor):
                training = bool(np.asarray(v))
                continue
            v = np.asarray(v)
            if v.dtype.kind == "f" and np.dtype(t.dtype).kind == "f" and v.dtype.name != t.dtype:
                v = v.astype(t.dtype)
            _check_feed_shape(t, v)
            ctx.values[id(t)] = v
        ctx.training = bool(config.learning_phase()) if training is None else training
        execution.run_nodes(self._nodes, ctx)
        results = []
        for o in self.outputs:
            if isinstance(o, KerasTensor):
                results.append(np.asarray(_raw(ctx.values[id(o)])))
            else:
                results.append(np.asarray(_raw(o)))
        for update in self.updates:
            if isinstance(update, tuple) and len(update) == 2:
                var, new = update
                value = ctx.values.get(id(new)) if isinstance(new, KerasTensor) else _raw(new)
                if value is None:
                    value = execution.evaluate(new, dict(ctx.values))
                var.assign(np.asarray(_raw(value)))
        return results[0] if self._single_output else results


def _check_feed_shape(t, v):
    want = t.shape
    if len(want) != v.ndim or any(
        w is not None and w != g for w, g in zip(want, v.shape, strict=False)
    ):
        raise ValueError(
            f"Cannot feed value of shape {v.shape} for tensor {t.name!r}, which has shape {want}"
        )


def function(inputs, outputs, updates=None, name=None, **kwargs):
    return Function(inputs, outputs, updates=updates, name=name)


__all__ = ["Function", "Gradients", "function", "gradients", "nest"]
