"""Helpers of the ``keras_oracle`` tests: one model built in kviz and in tf-keras 2.21, compared.

A *description* is a function ``build(keras)`` that builds a model with the Keras-2 API of the
module it is given (``keras.layers``, ``keras.models``, ``keras.backend``, ``keras.regularizers``
...). :func:`build_pair` calls it once with ``kviz`` and once with ``tf_keras``, each after a
``clear_session()``, so both models get the same layer names. Then:

* :func:`copy_weights` copies kviz's weights into the tf-keras model, layer by layer in
  ``model.layers`` order (names and shapes must agree);
* :func:`assert_same_predictions` compares the outputs (rtol/atol 1e-5);
* :func:`assert_same_counts` compares ``count_params()`` and the ``Total/Trainable/Non-trainable
  params`` lines of both summaries;
* :func:`assert_same_config` compares ``get_config()`` key by key (see :data:`CONFIG_DIFFERENCES`
  for the documented differences);
* :func:`assert_same_gradients` compares the gradient of ``sum(output * R)`` with respect to the
  inputs and the trainable weights (``tf.GradientTape`` vs ``kviz.autodiff.GradientTape``).

tf-keras is imported lazily (:func:`import_tf_keras`), so collecting this module stays cheap.
"""

from __future__ import annotations

import base64
import math
import os
import re

import numpy as np

RTOL = ATOL = 1e-5  # predictions
GRAD_RTOL = GRAD_ATOL = 1e-4  # gradients
FLOAT_REL = 1e-6  # float entries of configs (tf-keras keeps some of them as float32)

# ----------------------------------------------------------------------------------------
# Documented differences between kviz's and tf-keras's get_config(). Everything else must
# match: the same keys, and equal values for every key (tuples and lists count as equal).
# ----------------------------------------------------------------------------------------
CONFIG_DIFFERENCES = {
    # Keys dropped from *nested* serialized objects ({'class_name', 'config', ...} dicts such
    # as initializers, regularizers and constraints). tf-keras >= 2.13 adds the Keras-3 style
    # 'module' and 'registered_name' entries; kviz writes the Keras 2.2 form
    # {'class_name', 'config'}, which tf-keras reads as well. ('module' at the top level of a
    # Lambda config is the function's module and *is* compared.)
    "nested_object_keys": {"module", "registered_name"},
    # Keys of a layer config that kviz does not write, per class (None: every class).
    "missing_in_kviz": {
        # tf-keras 2.21 InputLayer writes 'optional' (a Keras-3 flag for optional inputs;
        # always False for models built with Input()). kviz has no optional inputs.
        "InputLayer": {"optional"},
    },
    # Keys kviz writes that tf-keras does not, per class (None: every class).
    "extra_in_kviz": {
        # kviz's AlphaDropout keeps noise_shape in its config (as Dropout does) so that a
        # config round trip does not lose it; tf-keras's AlphaDropout accepts noise_shape but
        # forgets to write it. tf-keras reads kviz's config fine (noise_shape is an argument).
        "AlphaDropout": {"noise_shape"},
    },
    # Config values compared after a normalisation (see _normalize_value):
    # * A Lambda's 'function' (and a callable 'output_shape') of type 'lambda' is [base64
    #   marshal bytecode, defaults, closure]; tf-keras's codecs base64 wraps lines every 76
    #   characters, kviz's does not, so the decoded bytes are compared.
    # * floats are compared with a relative tolerance FLOAT_REL, because tf-keras stores
    #   some of them as float32 (e.g. an L2 factor 0.01 reads back as 0.009999999776482582).
    # * NumPy values are compared as Python values: tf-keras's ReLU config holds max_value,
    #   negative_slope and threshold as 0-d float32 arrays (its to_json turns them into
    #   floats); kviz writes floats.
}


# --------------------------------------------------------------------------- tf-keras
_TF = {}


def import_tf_keras():
    """``tf_keras``, imported once with TensorFlow kept quiet and single-threaded."""
    if "tk" not in _TF:
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
        os.environ.setdefault("CUDA_VISIBLE_DEVICES", "-1")
        import tensorflow as tf

        try:
            tf.config.threading.set_intra_op_parallelism_threads(1)
            tf.config.threading.set_inter_op_parallelism_threads(1)
        except RuntimeError:  # TF already initialised by someone else: keep its settings
            pass
        tf.get_logger().setLevel("ERROR")
        import tf_keras

        _TF["tf"], _TF["tk"] = tf, tf_keras
    return _TF["tk"]


def tf():
    import_tf_keras()
    return _TF["tf"]


def _kviz():
    import kviz

    return kviz


# ------------------------------------------------------------------------------ build
def build_pair(build, seed=0):
    """``(kviz_model, tf_model)`` from one description; kviz weights randomised, then copied
    into the tf-keras model."""
    kviz, tk = _kviz(), import_tf_keras()
    kviz.backend.clear_session()
    km = build(kviz)
    tk.backend.clear_session()
    tm = build(tk)
    randomize_weights(km, seed)
    copy_weights(km, tm)
    return km, tm


def randomize_weights(model, seed=0):
    """Give every kviz weight random values (so zero/one initialisations test nothing less)."""
    rng = np.random.default_rng(seed)
    for w in model.weights:
        w.assign((rng.standard_normal(w.shape) * 0.5).astype(w.dtype))


def copy_weights(km, tm):
    """kviz -> tf-keras, layer by layer in ``model.layers`` order."""
    k_layers, t_layers = km.layers, tm.layers
    assert [lyr.name for lyr in k_layers] == [lyr.name for lyr in t_layers], (
        f"layer names differ: kviz {[lyr.name for lyr in k_layers]}, "
        f"tf-keras {[lyr.name for lyr in t_layers]}"
    )
    for kl, tl in zip(k_layers, t_layers, strict=True):
        kw = kl.get_weights()
        tw = tl.get_weights()
        assert [w.shape for w in kw] == [w.shape for w in tw], (
            f"layer {kl.name}: weight shapes kviz {[w.shape for w in kw]} "
            f"vs tf-keras {[w.shape for w in tw]}"
        )
        if kw:
            tl.set_weights(kw)


# -------------------------------------------------------------------------- predictions
def _as_list(x):
    return list(x) if isinstance(x, (list, tuple)) else [x]


def _np(x):
    if hasattr(x, "numpy"):
        return np.asarray(x.numpy())
    return np.asarray(x.data if hasattr(x, "data") and not isinstance(x, np.ndarray) else x)


def tf_predict(tm, x):
    """tf-keras outputs as NumPy (an eager call with ``training=False``: faster than predict)."""
    tfm = tf()
    xs = [tfm.constant(v) for v in _as_list(x)]
    out = tm(xs if isinstance(x, (list, tuple)) else xs[0], training=False)
    return [_np(o) for o in _as_list(out)]


def kviz_predict(km, x):
    return [_np(o) for o in _as_list(km.predict(x))]


def assert_same_predictions(km, tm, x, rtol=RTOL, atol=ATOL):
    k_out, t_out = kviz_predict(km, x), tf_predict(tm, x)
    assert len(k_out) == len(t_out), f"{len(k_out)} kviz outputs vs {len(t_out)} tf-keras"
    for i, (a, b) in enumerate(zip(k_out, t_out, strict=True)):
        assert a.shape == b.shape, f"output {i}: kviz shape {a.shape} vs tf-keras {b.shape}"
        np.testing.assert_allclose(
            a.astype("float64"), b.astype("float64"), rtol=rtol, atol=atol, err_msg=f"output {i}"
        )
    return k_out


# ---------------------------------------------------------------------- counts, summary
def summary_lines(model, **kwargs):
    lines = []
    model.summary(print_fn=lambda line, *a, **k: lines.append(line), **kwargs)
    # tf-keras passes whole multi-line chunks sometimes; split to compare line by line
    return [piece for line in lines for piece in str(line).split("\n")]


_PARAM_LINE = re.compile(r"^(Total|Trainable|Non-trainable) params: ([\d,]+)")


def param_lines(lines):
    """``{'Total': n, 'Trainable': n, 'Non-trainable': n}`` parsed from summary lines."""
    out = {}
    for line in lines:
        m = _PARAM_LINE.match(line)
        if m:
            out[m.group(1)] = int(m.group(2).replace(",", ""))
    assert set(out) == {"Total", "Trainable", "Non-trainable"}, f"summary lines: {lines}"
    return out


def assert_same_counts(km, tm):
    assert km.count_params() == tm.count_params(), (
        f"count_params: kviz {km.count_params()} vs tf-keras {tm.count_params()}"
    )
    k_lines, t_lines = summary_lines(km), summary_lines(tm)
    assert param_lines(k_lines) == param_lines(t_lines)
    # the full footer (sizes in bytes included) is printed identically
    k_foot = [ln for ln in k_lines if _PARAM_LINE.match(ln)]
    t_foot = [ln for ln in t_lines if _PARAM_LINE.match(ln)]
    assert k_foot == t_foot


def assert_same_summary(km, tm, **kwargs):
    k_lines, t_lines = summary_lines(km, **kwargs), summary_lines(tm, **kwargs)
    for i, (a, b) in enumerate(zip(k_lines, t_lines, strict=False)):
        assert a == b, f"summary line {i} differs:\nkviz:     {a!r}\ntf-keras: {b!r}"
    assert len(k_lines) == len(t_lines), (
        f"summary: {len(k_lines)} kviz lines vs {len(t_lines)} tf-keras lines"
    )


# ------------------------------------------------------------------------------ configs
def _is_serialized_object(d):
    return isinstance(d, dict) and "class_name" in d and "config" in d


# Lambda config entries that may hold marshalled bytecode, and the key giving their kind
_LAMBDA_TYPE_KEYS = {"function": "function_type", "output_shape": "output_shape_type"}


def _normalize_value(value, key=None, config=None):
    if isinstance(value, dict):
        drop = CONFIG_DIFFERENCES["nested_object_keys"] if _is_serialized_object(value) else ()
        return {k: _normalize_value(v, k) for k, v in value.items() if k not in drop}
    if isinstance(value, (list, tuple)):
        type_key = _LAMBDA_TYPE_KEYS.get(key)
        if (
            type_key
            and config is not None
            and config.get(type_key) == "lambda"
            and value
            and isinstance(value[0], str)
        ):
            return ["<bytecode>", base64.b64decode(value[0])] + [
                _normalize_value(v) for v in value[1:]
            ]
        return [_normalize_value(v) for v in value]
    if isinstance(value, np.ndarray):  # tf-keras ReLU keeps its floats as 0-d arrays
        return _normalize_value(value.tolist())
    if isinstance(value, np.generic):
        return value.item()
    return value


def _equal(a, b):
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b or math.isclose(float(a), float(b), rel_tol=FLOAT_REL, abs_tol=1e-12)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_equal(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_equal(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and a == b


def _per_class(table, class_name):
    return set(table.get(None, set())) | set(table.get(class_name, set()))


def config_differences(k_config, t_config, class_name):
    """Differences between a kviz and a tf-keras layer config, as readable strings."""
    missing_ok = _per_class(CONFIG_DIFFERENCES["missing_in_kviz"], class_name)
    extra_ok = _per_class(CONFIG_DIFFERENCES["extra_in_kviz"], class_name)
    problems = []
    for key in sorted(set(t_config) - set(k_config) - missing_ok):
        problems.append(f"{class_name}: key {key!r} missing in kviz (tf-keras: {t_config[key]!r})")
    for key in sorted(set(k_config) - set(t_config) - extra_ok):
        problems.append(f"{class_name}: extra key {key!r} in kviz ({k_config[key]!r})")
    for key in sorted(set(k_config) & set(t_config)):
        a = _normalize_value(k_config[key], key, k_config)
        b = _normalize_value(t_config[key], key, t_config)
        if not _equal(a, b):
            problems.append(f"{class_name}: {key!r}: kviz {a!r} != tf-keras {b!r}")
    return problems


def assert_same_config(k_layer, t_layer):
    problems = config_differences(
        k_layer.get_config(), t_layer.get_config(), type(t_layer).__name__
    )
    assert not problems, "\n".join(problems)


def assert_same_layer_configs(km, tm):
    problems = []
    for kl, tl in zip(km.layers, tm.layers, strict=True):
        assert type(kl).__name__ == type(tl).__name__ or (
            type(tl).__name__ == "Functional" and type(kl).__name__ in ("Model", "Functional")
        ), f"layer classes differ: {type(kl).__name__} vs {type(tl).__name__}"
        if hasattr(tl, "layers"):  # nested model: compare its own layers
            assert_same_layer_configs(kl, tl)
            continue
        problems += config_differences(kl.get_config(), tl.get_config(), type(tl).__name__)
    assert not problems, "\n".join(problems)


# ------------------------------------------------------------------------ model configs
def _structure(config):
    """The graph part of a model config: per layer (class, name, inbound nodes), plus the
    input/output refs (functional) -- the layer configs themselves are compared elsewhere."""
    layers = []
    for entry in config["layers"]:
        item = [entry["class_name"], entry.get("name", entry["config"].get("name"))]
        if "inbound_nodes" in entry:
            item.append(_normalize_value(entry["inbound_nodes"]))
        if entry["class_name"] in ("Sequential", "Functional", "Model"):
            item.append(_structure(entry["config"]))
        layers.append(item)
    out = {"name": config.get("name"), "layers": layers}
    for key in ("input_layers", "output_layers"):
        if key in config:
            out[key] = _normalize_value(config[key])
    return out


def assert_same_model_config(km, tm):
    """Same top-level class name and graph structure in get_config()/to_json()."""
    import json

    k_json, t_json = json.loads(km.to_json()), json.loads(tm.to_json())
    assert k_json["class_name"] == t_json["class_name"]
    assert k_json["keras_version"] == t_json["keras_version"]
    assert k_json["backend"] == t_json["backend"]
    assert _structure(k_json["config"]) == _structure(t_json["config"])


def tf_model_from_json(json_string, seconds=30):
    """``tf_keras.models.model_from_json`` with a time limit: on a config whose node
    references never resolve, tf-keras loops forever instead of raising."""
    import signal

    tk = import_tf_keras()
    from tf_keras.src.saving.serialization_lib import SafeModeScope

    def on_alarm(signum, frame):
        raise TimeoutError(f"tf_keras model_from_json did not finish in {seconds} s")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(seconds)
    try:
        with SafeModeScope(False):  # Lambda bytecode (our own test lambdas)
            return tk.models.model_from_json(json_string)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def kviz_model_from_json(json_string):
    from kviz.models import model_from_json
    from kviz.registry import SafeModeScope

    with SafeModeScope(False):
        return model_from_json(json_string)


def copy_weights_to_kviz(tm, km):
    """tf-keras -> kviz, layer by layer (the reverse of :func:`copy_weights`)."""
    assert [lyr.name for lyr in km.layers] == [lyr.name for lyr in tm.layers]
    for tl, kl in zip(tm.layers, km.layers, strict=True):
        if tl.get_weights():
            kl.set_weights(tl.get_weights())


# ---------------------------------------------------------------------------- gradients
def assert_same_gradients(km, tm, x, seed=1, wrt_input=True):
    """Gradients of ``sum(output * R)`` (R fixed random) for inputs and trainable weights."""
    from kviz import ops
    from kviz.autodiff import GradientTape

    tfm = tf()
    xs = _as_list(x)
    multi = isinstance(x, (list, tuple))
    k_out = kviz_predict(km, x)
    rng = np.random.default_rng(seed)
    rs = [rng.standard_normal(o.shape).astype("float32") for o in k_out]
    float_in = [np.asarray(v).dtype.kind == "f" for v in xs]

    with GradientTape() as tape:
        kx = [tape.watch(v) if f else v for v, f in zip(xs, float_in, strict=True)]
        out = _as_list(km(kx if multi else kx[0]))
        loss = None
        for o, r in zip(out, rs, strict=True):
            term = ops.sum(ops.multiply(o, r))
            loss = term if loss is None else ops.add(loss, term)
    k_sources = [v for v, f in zip(kx, float_in, strict=True) if f and wrt_input]
    k_sources += list(km.trainable_weights)
    k_grads = tape.gradient(loss, k_sources)

    tx = [tfm.constant(v) for v in xs]
    with tfm.GradientTape() as ttape:
        for v, f in zip(tx, float_in, strict=True):
            if f:
                ttape.watch(v)
        out = _as_list(tm(tx if multi else tx[0], training=False))
        loss = tfm.add_n([tfm.reduce_sum(o * r) for o, r in zip(out, rs, strict=True)])
    t_sources = [v for v, f in zip(tx, float_in, strict=True) if f and wrt_input]
    t_sources += list(tm.trainable_weights)
    t_grads = ttape.gradient(loss, t_sources)

    assert len(k_grads) == len(t_grads)
    assert [tuple(w.shape) for w in km.trainable_weights] == [
        tuple(w.shape) for w in tm.trainable_weights
    ]
    for i, (a, b) in enumerate(zip(k_grads, t_grads, strict=True)):
        b = _dense(b)
        a = np.zeros_like(b) if a is None else _np(a)
        b = np.zeros_like(a) if b is None else b
        np.testing.assert_allclose(
            a.astype("float64"),
            b.astype("float64"),
            rtol=GRAD_RTOL,
            atol=GRAD_ATOL,
            err_msg=f"gradient {i} (of {len(k_grads)}: inputs first, then trainable weights)",
        )


def _dense(g):
    if g is None:
        return None
    if hasattr(g, "indices") and hasattr(g, "values"):  # tf.IndexedSlices (Embedding)
        return _np(tf().convert_to_tensor(g))
    return _np(g)


# ------------------------------------------------------------------- single-layer models
def single_layer_model(make_layer, input_shapes, input_dtype="float32"):
    """Description of ``Model(inputs, make_layer(keras)(inputs))`` for one or more inputs."""
    multi = isinstance(input_shapes, list)

    def build(keras):
        shapes = input_shapes if multi else [input_shapes]
        inputs = [keras.layers.Input(shape=s, dtype=input_dtype) for s in shapes]
        layer = make_layer(keras)
        out = layer(inputs if multi else inputs[0])
        return keras.models.Model(inputs if multi else inputs[0], out)

    return build


def random_input(shapes, batch=4, seed=0, dtype="float32", high=5):
    """Random data for one shape (tuple without batch axis) or a list of shapes."""
    rng = np.random.default_rng(seed)

    def one(shape):
        if np.dtype(dtype).kind in "iu":
            return rng.integers(0, high, size=(batch, *shape)).astype(dtype)
        return rng.standard_normal((batch, *shape)).astype(dtype)

    if isinstance(shapes, list):
        return [one(s) for s in shapes]
    return one(shapes)


def check_layer_pair(
    make_layer,
    input_shapes,
    x=None,
    input_dtype="float32",
    gradients=False,
    wrt_input=True,
):
    """The full single-layer check: predictions, counts, configs (and gradients)."""
    km, tm = build_pair(single_layer_model(make_layer, input_shapes, input_dtype))
    if x is None:
        x = random_input(input_shapes, dtype=input_dtype)
    assert_same_predictions(km, tm, x)
    assert_same_counts(km, tm)
    assert_same_layer_configs(km, tm)
    if gradients:
        assert_same_gradients(km, tm, x, wrt_input=wrt_input)
    return km, tm
