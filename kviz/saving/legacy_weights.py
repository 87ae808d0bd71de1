"""Conversion of weights saved by older Keras versions into the current layout.

:func:`preprocess_weights_for_loading` is the Keras 2 function of the same name: it converts

* Keras 1 files (no ``keras_version`` attribute): ``LSTM`` (12 arrays, gates i, c, f, o ->
  3 arrays, gates i, f, c, o), ``GRU`` (9 arrays -> 3, gates z, r, h), ``ConvLSTM2D``, Keras 1
  ``Conv1D`` kernels, ``channels_first`` kernels, and ``Conv2DTranspose`` kernels;
* kernels saved with the Theano backend (flipped spatially, as Keras 2.2 did);
* convolution kernels stored as ``(filters, in, rows, cols)``;
* cuDNN RNN weights (``CuDNNLSTM``/``CuDNNGRU``) into ``LSTM``/``GRU(reset_after=True)``;

and recurses into nested models, ``Bidirectional`` and ``TimeDistributed``.
"""

from __future__ import annotations

import numpy as np

CONV_LAYERS = ("Conv1D", "Conv2D", "Conv3D", "Conv2DTranspose", "ConvLSTM2D")


def legacy_weights(layer):
    """A layer's weights in the order of Keras-2 HDF5 files: trainable, then non-trainable."""
    out, seen = [], set()
    for w in list(layer.trainable_weights) + list(layer.non_trainable_weights):
        if id(w) not in seen:
            seen.add(id(w))
            out.append(w)
    return out


def _shape(w):
    return tuple(np.shape(w.data if hasattr(w, "data") else w))


def convert_kernel(kernel):
    """Flip a convolution kernel spatially (Theano <-> TensorFlow convolution)."""
    kernel = np.asarray(kernel)
    if not 3 <= kernel.ndim <= 5:
        raise ValueError(f"Invalid kernel shape: {kernel.shape}")
    slices = [slice(None, None, -1) for _ in range(kernel.ndim)]
    no_flip = (slice(None, None), slice(None, None))
    slices[-2:] = no_flip
    return np.copy(kernel[tuple(slices)])


def preprocess_weights_for_loading(
    layer, weights, original_keras_version=None, original_backend=None
):
    """Convert ``weights`` (a list of arrays read from a file) for ``layer``."""
    weights = [np.asarray(w) for w in weights]
    name = type(layer).__name__

    if name == "Bidirectional":
        half = len(weights) // 2
        weights = preprocess_weights_for_loading(
            layer.forward_layer, weights[:half], original_keras_version, original_backend
        ) + preprocess_weights_for_loading(
            layer.backward_layer, weights[half:], original_keras_version, original_backend
        )
    if name == "TimeDistributed":
        weights = preprocess_weights_for_loading(
            layer.layer, weights, original_keras_version, original_backend
        )
    elif hasattr(layer, "layers") and name in ("Model", "Sequential", "Functional"):
        weights = _convert_nested_model(layer, weights, original_keras_version, original_backend)

    if original_keras_version == "1":
        weights = _convert_keras1(layer, name, weights)

    if name in CONV_LAYERS and weights:
        if original_backend == "theano":
            weights[0] = convert_kernel(weights[0])
            if name == "ConvLSTM2D":
                weights[1] = convert_kernel(weights[1])
        params = legacy_weights(layer)
        if params and _shape(params[0]) != weights[0].shape and weights[0].ndim == 4:
            weights[0] = np.transpose(weights[0], (3, 2, 0, 1))
            if name == "ConvLSTM2D":
                weights[1] = np.transpose(weights[1], (3, 2, 0, 1))
    return _convert_rnn_weights(layer, weights)


def _convert_nested_model(layer, weights, version, backend):
    n_trainable = len(layer.trainable_weights)
    trainable, non_trainable = weights[:n_trainable], weights[n_trainable:]
    new_trainable, new_non_trainable = [], []
    for sublayer in layer.layers:
        nt = len(sublayer.trainable_weights)
        nn = len(sublayer.non_trainable_weights)
        if sublayer.weights:
            converted = preprocess_weights_for_loading(
                sublayer, trainable[:nt] + non_trainable[:nn], version, backend
            )
            new_trainable.extend(converted[:nt])
            new_non_trainable.extend(converted[nt:])
            trainable, non_trainable = trainable[nt:], non_trainable[nn:]
    # the model's own weights (top level), unconverted
    return new_trainable + trainable + new_non_trainable + non_trainable


def _convert_keras1(layer, name, weights):
    if name == "TimeDistributed":
        return preprocess_weights_for_loading(layer.layer, weights, "1")
    data_format = getattr(layer, "data_format", "channels_last")
    if name == "Conv1D" and weights:
        shape = weights[0].shape
        kernel_size = layer.kernel_size[0]
        if weights[0].ndim == 4:
            if shape[:2] != (kernel_size, 1) or shape[3] != layer.filters:
                # Keras 1.1: (filters, input_dim, filter_length, 1)
                weights[0] = np.transpose(weights[0], (2, 3, 1, 0))
            weights[0] = weights[0][:, 0, :, :]
    if name == "Conv2D" and data_format == "channels_first" and weights:
        weights[0] = np.transpose(weights[0], (2, 3, 1, 0))
    if name == "Conv2DTranspose" and weights:
        if data_format == "channels_last":
            weights[0] = np.transpose(weights[0], (0, 1, 3, 2))
        else:
            weights[0] = np.transpose(weights[0], (2, 3, 0, 1))
    if name == "Conv3D" and data_format == "channels_first" and weights:
        weights[0] = np.transpose(weights[0], (2, 3, 4, 1, 0))
    if name == "GRU" and len(weights) == 9:
        weights = [
            np.concatenate([weights[0], weights[3], weights[6]], axis=-1),
            np.concatenate([weights[1], weights[4], weights[7]], axis=-1),
            np.concatenate([weights[2], weights[5], weights[8]], axis=-1),
        ]
    if name in ("LSTM", "ConvLSTM2D") and len(weights) == 12:
        # Keras 1 gate order i, c, f, o -> Keras 2 i, f, c, o
        kernel = np.concatenate([weights[0], weights[6], weights[3], weights[9]], axis=-1)
        recurrent = np.concatenate([weights[1], weights[7], weights[4], weights[10]], axis=-1)
        bias = np.concatenate([weights[2], weights[8], weights[5], weights[11]], axis=-1)
        if name == "ConvLSTM2D" and data_format == "channels_first":
            kernel = np.transpose(kernel, (2, 3, 1, 0))
            recurrent = np.transpose(recurrent, (2, 3, 1, 0))
        weights = [kernel, recurrent, bias]
    return weights


def _convert_rnn_weights(layer, weights):
    """CuDNNLSTM <-> LSTM and CuDNNGRU <-> GRU(reset_after=True) weights (Keras 2 rules)."""

    def transform_kernels(kernels, func, n_gates):
        return np.hstack([func(k) for k in np.hsplit(kernels, n_gates)])

    def transpose_input(from_cudnn):
        order = "F" if from_cudnn else "C"

        def transform(kernel):
            return kernel.T.reshape(kernel.shape, order=order)

        return transform

    target = type(layer).__name__
    if target in ("LSTM", "CuDNNLSTM") and len(weights) == 3:
        units = weights[1].shape[0]
        bias_shape = weights[2].shape
        if bias_shape == (2 * units * 4,):
            source = "CuDNNLSTM"
        elif bias_shape == (units * 4,):
            source = "LSTM"
        else:
            raise ValueError("Invalid bias shape: " + str(bias_shape))
        if source != target:
            from_cudnn = source == "CuDNNLSTM"
            kernels = transform_kernels(weights[0], transpose_input(from_cudnn), 4)
            recurrent = transform_kernels(weights[1], lambda k: k.T, 4)
            if from_cudnn:
                biases = np.sum(np.split(weights[2], 2, axis=0), axis=0)
            else:
                biases = np.tile(0.5 * weights[2], 2)
            weights = [kernels, recurrent, biases]

    if target in ("GRU", "CuDNNGRU") and len(weights) == 3:
        units = weights[1].shape[0]
        bias_shape = weights[2].shape
        if bias_shape == (2 * units * 3,):
            source = "CuDNNGRU"
        elif bias_shape == (2, units * 3):
            source = "GRU(reset_after=True)"
        elif bias_shape == (units * 3,):
            source = "GRU(reset_after=False)"
        else:
            raise ValueError("Invalid bias shape: " + str(bias_shape))
        if target == "CuDNNGRU":
            target_kind = "CuDNNGRU"
        elif getattr(layer, "reset_after", True):
            target_kind = "GRU(reset_after=True)"
        else:
            target_kind = "GRU(reset_after=False)"
        if source != target_kind:
            if "GRU(reset_after=False)" in (source, target_kind):
                raise ValueError(f"{source} is not compatible with {target_kind}")
            from_cudnn = source == "CuDNNGRU"
            kernels = transform_kernels(weights[0], transpose_input(from_cudnn), 3)
            recurrent = transform_kernels(weights[1], lambda k: k.T, 3)
            biases = np.array(weights[2]).reshape((2, -1) if from_cudnn else -1)
            weights = [kernels, recurrent, biases]
    return weights
