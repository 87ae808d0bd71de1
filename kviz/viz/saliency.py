"""Which input pixels a prediction depends on: saliency maps, Grad-CAM, and an overlay.

The *score* of class ``c`` is the model's output ``y[..., c]`` as the model computes it (the
softmax probability for a softmax output; summed over any axes between batch and classes).
Gradients come from ``kviz.autodiff.GradientTape`` in inference mode.

* :func:`saliency` - ``|d score / d input|``, the maximum over the channel axis (Simonyan et
  al., 2013), normalized to ``[0, 1]`` per sample;
* :func:`grad_cam` - ``ReLU(sum_k alpha_k A_k)`` with ``alpha_k`` the spatial mean of
  ``d score / d A_k`` over the feature maps ``A`` of a conv layer (the last one by default),
  resized bilinearly to the input's spatial size and divided by its maximum (Selvaraju et al.,
  2017; the recipe of the Keras Grad-CAM example);
* :func:`overlay` - a heatmap drawn over an image as RGB.

>>> import numpy as np
>>> from kviz import layers, models
>>> model = models.Sequential([
...     layers.Conv2D(4, 3, activation='relu', input_shape=(8, 8, 1), name='conv'),
...     layers.GlobalAveragePooling2D(), layers.Dense(2, activation='softmax')])
>>> x = np.random.default_rng(0).random((3, 8, 8, 1))
>>> saliency(model, x, 1).shape, grad_cam(model, x, 1).shape
((3, 8, 8), (3, 8, 8))
>>> grad_cam(model, x[0], 1).shape           # one sample without batch axis
(8, 8)
>>> overlay(x[0], grad_cam(model, x[0], 1)).shape
(8, 8, 3)
"""

from __future__ import annotations

import numpy as np

from kviz import backend as K
from kviz.autodiff import GradientTape
from kviz.autodiff.tensor import Tensor
from kviz.graph import execution
from kviz.layers.convolutional.base_conv import Conv
from kviz.viz.activations import level_inputs
from kviz.viz.images import colorize, normalize01, resize
from kviz.viz.layer_lookup import LayerRef, graph_model, node_in, output_tensor, resolve, walk


def _raw(v):
    return np.asarray(v.data if isinstance(v, Tensor) else v)


def _batched(model, x):
    """(x with batch axis, whether one sample without batch axis was given)."""
    if len(model.inputs) != 1:
        raise ValueError(
            f"Saliency and Grad-CAM need a model with one input; {model.name!r} has "
            f"{len(model.inputs)}"
        )
    want = tuple(model.inputs[0].shape)
    x = np.asarray(x)
    single = x.ndim == len(want) - 1
    if single:
        x = x[None]
    if x.ndim != len(want) or any(
        w is not None and w != g for w, g in zip(want[1:], x.shape[1:], strict=True)
    ):
        raise ValueError(
            f"Model {model.name!r} expects inputs of shape {want} (or one sample of shape "
            f"{want[1:]}); received shape {np.shape(x)}"
        )
    dtype = model.inputs[0].dtype
    return x.astype(dtype) if x.dtype.kind in "fiub" else x, single


def _class_mask(model, n, class_index):
    if len(model.outputs) != 1:
        raise ValueError(
            f"Saliency and Grad-CAM need a model with one output; {model.name!r} has "
            f"{len(model.outputs)}"
        )
    classes = model.outputs[0].shape[-1]
    idx = np.broadcast_to(np.asarray(class_index), (n,))
    if idx.dtype.kind not in "iu":
        raise TypeError(f"class_index must be an integer (or one per sample); got {class_index!r}")
    if classes is not None and (idx.min() < 0 or idx.max() >= classes):
        raise ValueError(
            f"class_index must be in [0, {classes}) for output shape {model.outputs[0].shape}; "
            f"received {class_index!r}"
        )
    shape = (n,) + tuple(model.outputs[0].shape[1:])
    mask = np.zeros(shape, dtype=model.outputs[0].dtype)
    mask[np.arange(n), ..., idx] = 1
    return mask


def _channel_axis(ndim, data_format=None):
    if ndim >= 3 and data_format == "channels_first":
        return 1
    return ndim - 1


def saliency(model, x, class_index, normalize=True):
    """``|d score / d x|`` with the maximum over channels: ``(n, *spatial)`` (or one sample).

    ``x``: a batch, or one sample without batch axis (then the result has none either).
    ``class_index``: an int, or one int per sample. Inputs of rank 2 (``(n, features)``) keep
    every feature; higher ranks lose their channel axis (the last one, or axis 1 when
    ``K.image_data_format()`` is ``'channels_first'``). ``normalize``: divide each sample's map
    by its maximum (maps that are all zero stay zero).

    >>> import numpy as np
    >>> from kviz import layers, models
    >>> model = models.Sequential([layers.Dense(1, use_bias=False, input_shape=(3,))])
    >>> model.set_weights([np.array([[1.], [-3.], [0.5]], 'float32')])
    >>> saliency(model, np.ones((1, 3)), 0, normalize=False)
    array([[1. , 3. , 0.5]], dtype=float32)
    """
    model = graph_model(model, x)
    x, single = _batched(model, x)
    mask = _class_mask(model, len(x), class_index)
    with GradientTape() as tape:
        xt = tape.watch(x)
        y = model(xt, training=False)
        score = K.sum(y * mask)
    grads = np.abs(_raw(tape.gradient(score, xt)))
    if grads.ndim >= 3:
        data_format = K.image_data_format() if grads.ndim >= 4 else None
        grads = grads.max(axis=_channel_axis(grads.ndim, data_format))
    if normalize:
        grads = _per_sample_max_normalize(grads)
    grads = grads.astype("float32")
    return grads[0] if single else grads


def _per_sample_max_normalize(a):
    top = a.reshape(len(a), -1).max(axis=1).reshape((-1,) + (1,) * (a.ndim - 1))
    return np.where(top > 0, a / np.where(top > 0, top, 1), 0.0)


def last_conv_layer(model):
    """The key of the last layer (nested models included) that is a convolution with spatial
    feature maps; ValueError when there is none."""
    found = None
    for ref in walk(model):
        if isinstance(ref.layer, Conv) and len(output_tensor(ref).shape) >= 3:
            found = ref
    if found is None:
        raise ValueError(
            f"Model {model.name!r} has no convolution layer for Grad-CAM; pass layer_name= "
            "the name of a layer with spatial feature maps"
        )
    return found.key


def _score_from_layer(model, x, ref: LayerRef, mask):
    """(A, d score / d A): the layer's output and the gradient of the class score on it."""
    owners = ref.owners
    ins = level_inputs(model, x, owners)
    target = output_tensor(ref)
    inner = owners[-1]
    feed = {id(t): v for t, v in zip(inner.inputs, ins[-1], strict=True)}
    a = _raw(execution.evaluate(target, dict(feed), training=False))
    with GradientTape() as tape:
        at = tape.watch(a)
        out = execution.evaluate(inner.outputs, {**feed, id(target): at}, training=False)
        for depth in range(len(owners) - 1, 0, -1):
            outer = owners[depth - 1]
            node = node_in(outer, owners[depth])
            feed = {id(t): v for t, v in zip(outer.inputs, ins[depth - 1], strict=True)}
            for t, v in zip(node.output_tensors, out, strict=True):
                feed[id(t)] = v
            out = execution.evaluate(outer.outputs, feed, training=False)
        score = K.sum(out[0] * mask)
    return a, _raw(tape.gradient(score, at))


def grad_cam(model, x, class_index, layer_name=None, resize_to_input=True):
    """Grad-CAM heatmaps in ``[0, 1]``: ``(n, *input spatial size)`` (or one sample).

    ``layer_name``: the conv layer whose feature maps are weighted (a name, a path
    ``'inner/conv'`` into a nested model, an index or the layer); by default the last
    convolution layer of the model tree. ``resize_to_input=False`` keeps the layer's own
    spatial size. Maps whose ReLU is zero everywhere stay zero.
    """
    model = graph_model(model, x)
    x, single = _batched(model, x)
    mask = _class_mask(model, len(x), class_index)
    ref = resolve(model, layer_name if layer_name is not None else last_conv_layer(model))
    target = output_tensor(ref)
    if len(target.shape) < 3:
        raise ValueError(
            f"Grad-CAM needs a layer with spatial feature maps (batch, ..., channels); layer "
            f"{ref.key!r} has output shape {target.shape}"
        )
    data_format = getattr(ref.layer, "data_format", None)
    axis = _channel_axis(len(target.shape), data_format)
    a, g = _score_from_layer(model, x, ref, mask)
    a = np.moveaxis(a.astype("float64"), axis, -1)
    g = np.moveaxis(g.astype("float64"), axis, -1)
    spatial = tuple(range(1, a.ndim - 1))
    weights = g.mean(axis=spatial, keepdims=True)
    cam = np.maximum((weights * a).sum(axis=-1), 0.0)
    if resize_to_input and x.ndim == cam.ndim + 1:
        channel = 0 if data_format == "channels_first" else x.ndim - 2
        cam = resize(cam, tuple(s for i, s in enumerate(x.shape[1:]) if i != channel))
    cam = _per_sample_max_normalize(cam).astype("float32")
    return cam[0] if single else cam


def overlay(image, heatmap, alpha=0.4, cmap="jet"):
    """``image`` with ``heatmap`` drawn over it in colour: RGB floats ``(h, w, 3)`` in [0, 1].

    ``image``: ``(h, w)``, ``(h, w, 1)`` or ``(h, w, 3)``; values outside ``[0, 1]`` are
    min-max scaled. ``heatmap``: ``(h', w')`` in ``[0, 1]``, resized to the image if needed.
    ``alpha``: the heatmap's weight. ``cmap``: a matplotlib colormap name.
    """
    img = np.asarray(image, dtype="float64")
    if img.ndim == 3 and img.shape[-1] == 1:
        img = img[..., 0]
    if img.ndim == 2:
        img = np.repeat(img[..., None], 3, axis=-1)
    if img.ndim != 3 or img.shape[-1] != 3:
        raise ValueError(f"overlay needs an (h, w), (h, w, 1) or (h, w, 3) image; got {img.shape}")
    if img.min() < 0 or img.max() > 1:
        img = normalize01(img)
    heat = np.asarray(heatmap, dtype="float64")
    if heat.ndim != 2:
        raise ValueError(f"overlay needs a 2-D heatmap; received shape {heat.shape}")
    if not 0 <= alpha <= 1:
        raise ValueError(f"alpha must be in [0, 1]; received {alpha}")
    if heat.shape != img.shape[:2]:
        heat = resize(heat, img.shape[:2])
    colored = colorize(np.clip(heat, 0, 1), cmap)
    return ((1 - alpha) * img + alpha * colored).astype("float32")


__all__ = ["grad_cam", "last_conv_layer", "overlay", "saliency"]
