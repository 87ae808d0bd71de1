"""What filters look for: kernels as images, and inputs that excite a filter most.

* :func:`kernel_images` - a layer's kernels as images in ``[0, 1]``;
* :func:`maximize_activation` - gradient ascent on the input to make one filter's mean output
  as large as possible, written with ``K.gradients`` and ``K.function`` exactly as the Keras-2
  filter-visualization example does, plus the usual regularizers (jitter, blur, L2 decay);
* :func:`deprocess_image` - that example's rescaling of a synthesized input for display.

>>> import numpy as np
>>> from kviz import layers, models
>>> model = models.Sequential([layers.Conv2D(4, 3, input_shape=(8, 8, 3), name='conv')])
>>> kernel_images(model, 'conv').shape           # 4 filters, one RGB 3x3 image each
(4, 1, 3, 3, 3)
>>> kernel_images(model, 'conv', rgb=False).shape  # one gray image per input channel
(4, 3, 3, 3, 1)
>>> img = maximize_activation(model, 'conv', 2, steps=5, seed=0)
>>> img.shape, float(img.min()) >= 0, float(img.max()) <= 1
((8, 8, 3), True, True)
"""

from __future__ import annotations

import numpy as np

from kviz import backend as K
from kviz import config
from kviz.layers.convolutional.base_conv import Conv
from kviz.layers.convolutional.base_conv_transpose import ConvTranspose
from kviz.layers.core.dense import Dense
from kviz.layers.core.flatten import Flatten
from kviz.viz.images import gaussian_blur, normalize01
from kviz.viz.layer_lookup import graph_model, node_in, output_tensor, resolve, walk


def _kernel_of(layer):
    for name in ("depthwise_kernel", "kernel"):
        var = getattr(layer, name, None)
        if var is not None:
            return name, np.asarray(K.get_value(var), dtype="float64")
    return None, None


def _has_kernel(layer):
    return isinstance(layer, (Conv, Dense)) and getattr(layer, "built", False)


def _is_first_kernel_layer(model, layer):
    for ref in walk(model):
        if _has_kernel(ref.layer):
            return ref.layer is layer
    return False


def _dense_image_shape(model, ref, n_in):
    """(h, w, c) of a Dense layer's input when it comes from a Flatten of a known shape."""
    node = node_in(ref.owners[-1], ref.layer)
    src = node.input_tensors[0]
    history = src._keras_history
    if history is not None and isinstance(history[0], Flatten):
        flat = history[0]
        if getattr(flat, "data_format", "channels_last") != "channels_first":
            shape = tuple(flat.inbound_nodes[history[1]].input_tensors[0].shape[1:])
            if None not in shape and int(np.prod(shape)) == n_in:
                if len(shape) == 3:
                    return shape
                if len(shape) == 2:
                    return shape + (1,)
                if len(shape) == 1:
                    return (1, shape[0], 1)
    side = int(round(np.sqrt(n_in)))
    if side * side == n_in:
        return (side, side, 1)
    return (1, n_in, 1)


def kernel_images(model, layer, rgb=None, image_shape=None):
    """The kernels of ``layer`` as images in ``[0, 1]``: ``(filters, images, h, w, colours)``.

    Every filter gives ``images`` pictures of ``h x w`` pixels with ``colours`` = 3 (RGB) or 1
    (gray), normalized together to ``[0, 1]`` (min -> 0, max -> 1; a constant filter -> 0.5):

    ==========================  ==========================================================
    Conv2D, kernel (kh,kw,c,f)  RGB: ``(f, 1, kh, kw, 3)``; gray: ``(f, c, kh, kw, 1)``,
                                one picture per input channel
    Conv1D, kernel (k, c, f)    ``(f, 1, c, k, 1)``: rows are input channels, columns taps
    Conv3D                      ``(f, c * kd, kh, kw, 1)`` (channel-major, then depth)
    Conv2DTranspose/3D          as Conv2D/Conv3D, filters = output channels
    DepthwiseConv1D/2D,         the depthwise kernel: ``(c * m, 1, kh, kw, 1)`` (channel
    SeparableConv1D/2D          ``i * m + j`` is input channel ``i``'s ``j``-th filter)
    Dense, kernel (n, units)    each unit's weights reshaped to the image that feeds it: the
                                input shape of a preceding ``Flatten``, else a square when
                                ``n`` is one, else a ``1 x n`` strip (RGB when 3 channels)
    ==========================  ==========================================================

    ``rgb``: None picks RGB when the layer is the model's first layer with a kernel and its
    filters have exactly 3 input channels (the first conv layer of an image model); True or
    False forces it (True needs 3 channels). ``image_shape`` (``(h, w)`` or ``(h, w, c)``)
    overrides the picture shape of a Dense layer.
    """
    model = graph_model(model)
    ref = resolve(model, layer)
    lyr = ref.layer
    name, kernel = _kernel_of(lyr) if _has_kernel(lyr) else (None, None)
    if kernel is None:
        with_kernels = [r.key for r in walk(model) if _has_kernel(r.layer)]
        raise ValueError(
            f"Layer {ref.key!r} ({type(lyr).__name__}) has no convolution or Dense kernel to "
            f"draw. Layers with kernels: {with_kernels}"
        )
    if name == "depthwise_kernel":
        *k, c, m = kernel.shape
        k = list(k) if len(k) == 2 else [1] + list(k)
        # (..., c, m) -> (c * m, kh, kw)
        imgs = np.moveaxis(kernel.reshape(tuple(k) + (c * m,)), -1, 0)
        imgs = imgs[:, None, :, :, None]
        channels = 1
    elif isinstance(lyr, Dense):
        n_in, units = kernel.shape
        shape = tuple(image_shape) if image_shape is not None else None
        if shape is None:
            shape = _dense_image_shape(model, ref, n_in)
        elif len(shape) == 2:
            shape = shape + (1,)
        if int(np.prod(shape)) != n_in:
            raise ValueError(
                f"image_shape {tuple(image_shape)} holds {int(np.prod(shape))} values but each "
                f"unit of {ref.key!r} has {n_in} weights"
            )
        h, w, channels = shape
        per_unit = kernel.T.reshape(units, h, w, channels)
        imgs = np.moveaxis(per_unit, -1, 1)[..., None]  # (units, c, h, w, 1)
    else:
        if isinstance(lyr, ConvTranspose):
            kernel = np.swapaxes(kernel, -1, -2)
        *k, channels, f = kernel.shape
        per_filter = np.moveaxis(kernel, -1, 0)  # (f, *k, c)
        if len(k) == 1:
            imgs = np.swapaxes(per_filter, 1, 2)[:, None, :, :, None]  # (f, 1, c, k, 1)
            channels = 1
        elif len(k) == 2:
            imgs = np.moveaxis(per_filter, -1, 1)[..., None]  # (f, c, kh, kw, 1)
        else:
            kd, kh, kw = k
            per = np.moveaxis(per_filter, -1, 1)  # (f, c, kd, kh, kw)
            imgs = per.reshape(f, channels * kd, kh, kw)[..., None]
            channels = 1
    if rgb is None:
        rgb = channels == 3 and imgs.shape[1] == 3 and _is_first_kernel_layer(model, lyr)
    if rgb:
        if channels != 3 or imgs.shape[1] != 3:
            raise ValueError(
                f"rgb=True needs filters with 3 input channels; layer {ref.key!r} has "
                f"{imgs.shape[1]} picture(s) per filter of {channels} channel(s)"
            )
        imgs = np.moveaxis(imgs[..., 0], 1, -1)[:, None]  # (f, 1, h, w, 3)
    axes = tuple(range(1, imgs.ndim))
    return normalize01(imgs, axis=axes).astype("float32")


def deprocess_image(x):
    """The filter-visualization example's display rescaling, as floats in ``[0, 1]``.

    Center on 0, scale to standard deviation 0.1, shift to 0.5 and clip (the example then
    multiplies by 255 for an 8-bit picture).

    >>> deprocess_image(np.array([0., 1., 2.])).round(3)
    array([0.378, 0.5  , 0.622])
    """
    x = np.array(x, dtype="float64")
    x -= x.mean()
    x /= x.std() + 1e-5
    x *= 0.1
    x += 0.5
    return np.clip(x, 0, 1)


def _channel_axis(layer, ndim):
    if ndim > 2 and getattr(layer, "data_format", None) == "channels_first":
        return 1
    return ndim - 1


def _input_axes(ndim):
    """(spatial axes, channel axis) of a model input with ``ndim`` dims (batch first)."""
    if ndim <= 2:
        return (), ndim - 1
    if ndim >= 4 and config.image_data_format() == "channels_first":
        return tuple(range(2, ndim)), 1
    return tuple(range(1, ndim - 1)), ndim - 1


def maximize_activation(
    model,
    layer,
    filter_index,
    steps=20,
    step_size=0.1,
    jitter=0,
    blur=0.0,
    blur_every=4,
    l2=0.0,
    seed=None,
    input_shape=None,
    start=None,
    deprocess=True,
):
    """An input that makes filter ``filter_index`` of ``layer`` fire: ``(*input_shape)``.

    Gradient ascent on the input, as the Keras-2 example writes it::

        loss = K.mean(layer_output[:, :, :, filter_index])
        grads = K.gradients(loss, input_img)[0]
        grads = grads / (K.sqrt(K.mean(K.square(grads))) + 1e-5)
        iterate = K.function([input_img], [loss, grads])
        for i in range(steps):
            loss_value, grads_value = iterate([input_img_data])
            input_img_data += grads_value * step_size

    starting from gray noise (``0.5 +- 0.04``, ``seed`` for the generator) or from ``start``.
    Regularizers that make the pictures readable:

    * ``jitter``: each step evaluates the gradient on the image shifted (rolled) by up to
      ``jitter`` pixels along each spatial axis;
    * ``blur``: every ``blur_every`` steps, a Gaussian blur of standard deviation ``blur``
      pixels over the spatial axes;
    * ``l2``: each step pulls the image towards its starting mean by a factor ``1 - l2``.

    The filter is read on the channel axis (last, or axis 1 for ``channels_first`` layers); for
    a Dense layer it is a unit. For a layer inside a nested model the input is that nested
    model's input. ``input_shape`` (without batch axis) is needed when the model's input shape
    has unknown sizes. Returns :func:`deprocess_image` of the result (values in ``[0, 1]``), or
    the raw input with ``deprocess=False``.
    """
    model = graph_model(model)
    ref = resolve(model, layer)
    owner = ref.owners[-1]
    if len(owner.inputs) != 1:
        raise ValueError(
            f"maximize_activation needs a model with one input; {owner.name!r} has "
            f"{len(owner.inputs)}"
        )
    input_img = owner.inputs[0]
    out = output_tensor(ref)
    ndim = len(out.shape)
    axis = _channel_axis(ref.layer, ndim)
    n_filters = out.shape[axis]
    if ndim < 2 or n_filters is None:
        raise ValueError(f"Layer {ref.key!r} has output shape {out.shape}: no filters to choose")
    if isinstance(filter_index, bool) or not isinstance(filter_index, (int, np.integer)):
        raise TypeError(f"filter_index must be an integer; received {filter_index!r}")
    if not 0 <= filter_index < n_filters:
        raise ValueError(
            f"filter_index must be in [0, {n_filters}) for layer {ref.key!r} (output shape "
            f"{out.shape}); received {filter_index}"
        )
    for name, v in (("steps", steps), ("jitter", jitter), ("blur_every", blur_every)):
        if int(v) != v or v < (1 if name == "blur_every" else 0):
            raise ValueError(f"{name} must be a non-negative integer; received {v!r}")
    if blur < 0 or not 0 <= l2 < 1:
        raise ValueError(f"blur must be >= 0 and l2 in [0, 1); received blur={blur}, l2={l2}")

    if input_shape is None:
        input_shape = tuple(input_img.shape[1:])
    input_shape = tuple(int(s) if s is not None else None for s in input_shape)
    if None in input_shape or len(input_shape) != len(input_img.shape) - 1:
        raise ValueError(
            f"maximize_activation needs a full input shape (without batch axis) for input "
            f"{input_img.name!r} of shape {input_img.shape}; received {input_shape}. Pass "
            "input_shape=(height, width, channels)."
        )
    rng = np.random.default_rng(seed)
    if start is None:
        data = 0.5 + 0.08 * (rng.random((1,) + input_shape) - 0.5)
    else:
        data = np.array(start, dtype="float64").reshape((1,) + input_shape)
    center = float(data.mean())

    index = [slice(None)] * ndim
    index[axis] = int(filter_index)
    loss = K.mean(out[tuple(index)])
    grads = K.gradients(loss, input_img)[0]
    grads = grads / (K.sqrt(K.mean(K.square(grads))) + 1e-5)
    iterate = K.function([input_img], [loss, grads])

    spatial, _ = _input_axes(data.ndim)
    dtype = input_img.dtype
    for step in range(int(steps)):
        shifts = ()
        if jitter and spatial:
            shifts = tuple(int(s) for s in rng.integers(-jitter, jitter + 1, size=len(spatial)))
            data = np.roll(data, shifts, axis=spatial)
        _, grads_value = iterate([data.astype(dtype)])
        data += np.asarray(grads_value, dtype="float64") * step_size
        if shifts:
            data = np.roll(data, tuple(-s for s in shifts), axis=spatial)
        if l2:
            data = center + (1.0 - l2) * (data - center)
        if blur and spatial and (step + 1) % int(blur_every) == 0:
            data = gaussian_blur(data, blur, spatial)
    image = data[0]
    return deprocess_image(image).astype("float32") if deprocess else image.astype(dtype)


__all__ = ["deprocess_image", "kernel_images", "maximize_activation"]
