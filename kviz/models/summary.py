"""``model.summary()``: the layer table in tf.keras 2.x's format.

kviz prints what tf-keras 2.21 prints (a leading space in each cell, a blank line after each
row, sizes in bytes), so a student's screen matches current Keras tutorials. The choice is
documented in docs/keras-compat.md.
"""

from __future__ import annotations

import numpy as np

from kviz.graph import nest


def readable_memory_size(size: float) -> str:
    """``108720`` -> ``'106.17 KB'`` (powers of 1024, two decimals)."""
    units = ["Byte", "KB", "MB", "GB", "TB", "PB"]
    for unit in units:
        if size / 1024 < 1:
            return f"{size:.2f} {unit}"
        size /= 1024
    return f"{size:.2f} {units[-1]}"


def _weights_info(weights):
    count = sum(int(np.prod(w.shape)) for w in weights)
    size = sum(int(np.prod(w.shape)) * np.dtype(w.dtype).itemsize for w in weights)
    return count, size


def _unique(ws):
    seen, out = set(), []
    for w in ws:
        if id(w) not in seen:
            seen.add(id(w))
            out.append(w)
    return out


def _is_sequential_like(model):
    if type(model).__name__ == "Sequential" or not model._is_graph_network:
        return True
    nodes = []
    for group in model._nodes_by_depth.values():
        if len(group) > 1 or (len(group) == 1 and len(group[0].input_tensors) > 1):
            return False
        nodes += group
    ids = {id(n) for n in nodes}
    for layer in model.layers:
        count = sum(1 for n in layer._inbound_nodes if id(n) in ids)
        if count > 1:
            return False
    return True


def _print_row(fields, positions, print_fn, nested_level=0):
    left = [str(x) for x in fields]
    while any(left):
        line = ""
        for col in range(len(left)):
            start = positions[col - 1] if col > 0 else 0
            end = positions[col]
            space = 2 if col != len(positions) - 1 else 0
            cutoff = end - start - space
            if col != len(positions) - 1:
                cutoff -= 1
            if col == 0:
                cutoff -= nested_level
            fit = left[col][:cutoff]
            candidates = [
                fit.find(x) + len(x) for x in ("),", "},", "],", "',") if fit.find(x) >= 0
            ]
            if candidates:
                cutoff = min(candidates)
                fit = fit[:cutoff]
            if col == 0:
                line += "|" * nested_level + " "
            line += fit
            line += " " * space if space else ""
            left[col] = left[col][cutoff:]
            if nested_level and col == len(positions) - 1:
                line += " " * (positions[col] - len(line) - nested_level)
            else:
                line += " " * (positions[col] - len(line))
        line += "|" * nested_level
        print_fn(line)


def _output_shape_text(layer):
    try:
        shape = layer.output_shape
    except (AttributeError, RuntimeError):
        return "multiple"
    if type(layer).__name__ == "InputLayer":
        return str([shape])
    return _shape_text(shape)


def _shape_text(shape):
    if isinstance(shape, list):
        return str([_tuple(s) for s in shape])
    return str(_tuple(shape))


def _tuple(s):
    return tuple(s) if isinstance(s, (list, tuple)) else s


def _type_name(layer):
    if getattr(layer, "_is_graph_network", False) and type(layer).__name__ == "Model":
        return "Functional"
    return type(layer).__name__


def _params_text(layer):
    if not getattr(layer, "built", True):
        return "0 (unused)"
    return str(layer.count_params())


def print_summary(
    model,
    line_length=None,
    positions=None,
    print_fn=None,
    expand_nested=False,
    show_trainable=False,
    layer_range=None,
):
    print_fn = print_fn or print
    sequential_like = _is_sequential_like(model)
    layers = model.layers
    if sequential_like:
        line_length = line_length or 65
        positions = positions or [0.45, 0.85, 1.0]
        header = ["Layer (type)", "Output Shape", "Param #"]
    else:
        line_length = line_length or 98
        positions = positions or [0.3, 0.6, 0.70, 1.0]
        header = ["Layer (type)", "Output Shape", "Param #", "Connected to"]
        relevant = {id(n) for g in model._nodes_by_depth.values() for n in g}
    if positions[-1] <= 1:
        positions = [int(line_length * p) for p in positions]
    if show_trainable:
        line_length += 11
        positions.append(line_length)
        header.append("Trainable")

    if layer_range is not None:
        names = [lyr.name for lyr in layers]
        lo, hi = names.index(layer_range[0]), names.index(layer_range[1])
        layers = layers[lo : hi + 1]

    print_fn(f'Model: "{model.name}"')
    print_fn("_" * line_length)
    _print_row(header, positions, print_fn)
    print_fn("=" * line_length)

    def layer_rows(layer, nested_level=0, is_nested_last=False):
        name = layer.name
        cls = _type_name(layer)
        if not getattr(layer, "built", True) and not getattr(layer, "_is_graph_network", False):
            shape = "multiple"
        else:
            shape = _output_shape_text(layer)
        fields = [f"{name} ({cls})", shape, _params_text(layer)]
        if not sequential_like:
            # Only the nodes of the summarized model count, at every nesting level (as in
            # tf-keras, so the layers of an expanded nested model show ``[]``).
            connections = []
            for node in layer._inbound_nodes:
                if relevant and id(node) not in relevant:
                    continue
                for t in node.input_tensors:
                    op, node_index, tensor_index = t._keras_history
                    connections.append(f"{op.name}[{node_index}][{tensor_index}]")
            fields.append(str(connections))
        if show_trainable:
            fields.append("Y" if layer.trainable else "N")
        _print_row(fields, positions, print_fn, nested_level)
        if expand_nested and hasattr(layer, "layers") and layer.layers:
            print_fn(
                "|" * (nested_level + 1)
                + "¯" * (line_length - 2 * nested_level - 2)
                + "|" * (nested_level + 1)
            )
            inner = layer.layers
            # tf-keras reuses this flag for the nested rows: after an expanded block it is
            # true, so no blank row follows the block's closing line.
            is_nested_last = False
            for i, sub in enumerate(inner):
                if i == len(inner) - 1:
                    is_nested_last = True
                layer_rows(sub, nested_level + 1, is_nested_last)
            print_fn(
                "|" * nested_level + "¯" * (line_length - 2 * nested_level) + "|" * nested_level
            )
        if not is_nested_last:
            print_fn(
                "|" * nested_level + " " * (line_length - 2 * nested_level) + "|" * nested_level
            )

    for layer in layers:
        layer_rows(layer)
    print_fn("=" * line_length)

    trainable = _unique(model.trainable_weights)
    non_trainable = _unique(model.non_trainable_weights)
    t_count, t_size = _weights_info(trainable)
    n_count, n_size = _weights_info(non_trainable)
    print_fn(f"Total params: {t_count + n_count} ({readable_memory_size(t_size + n_size)})")
    print_fn(f"Trainable params: {t_count} ({readable_memory_size(t_size)})")
    print_fn(f"Non-trainable params: {n_count} ({readable_memory_size(n_size)})")
    print_fn("_" * line_length)


__all__ = ["print_summary", "readable_memory_size", "nest"]
