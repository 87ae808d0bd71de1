"""A graph description (:func:`kviz.viz.graph`) as Graphviz DOT source, in Keras's look.

The labels are the ones tf-keras 2.x's ``model_to_dot`` writes (``record`` nodes: the layer
name and class, then optionally the activation, dtype, input/output shapes and a ``T``/``NT``
trainable flag), so a plot matches the pictures in Keras tutorials; expanded nested models are
dashed clusters labelled with the model's name. Node ids are the description's ids (layer
names), so the source is readable and the same on every run.

>>> from kviz.layers import Dense, Input
>>> from kviz.models import Model
>>> from kviz.viz import graph
>>> x = Input(shape=(4,), name='x')
>>> print(to_dot(graph(Model(x, Dense(2, name='out')(x))), show_shapes=True))
digraph G {
rankdir=TB;
concentrate=true;
dpi=96;
node [shape=record];
"x" [label="{x|InputLayer}|{input:|output:}|{{[(None, 4)]}|{[(None, 4)]}}"];
"out" [label="{out|Dense}|{input:|output:}|{{(None, 4)}|{(None, 2)}}"];
"x" -> "out";
}
<BLANKLINE>
"""

from __future__ import annotations

RANKDIRS = ("TB", "LR", "BT", "RL")


def check_rankdir(rankdir) -> str:
    if rankdir not in RANKDIRS:
        raise ValueError(
            f"rankdir must be one of {', '.join(map(repr, RANKDIRS))} ('TB': top to bottom, "
            f"'LR': left to right); received {rankdir!r}"
        )
    return rankdir


def _is_dims(shape) -> bool:
    return isinstance(shape, list) and all(d is None or isinstance(d, int) for d in shape)


def format_shape(shape) -> str:
    """A JSON shape from the description, written as Python writes the Keras shape:
    ``[None, 4]`` -> ``'(None, 4)'``, ``[[None, 3], [None, 3]]`` -> ``'[(None, 3), (None, 3)]'``;
    ``'?'`` when unknown."""
    if shape is None or shape == "multiple":
        return "?"
    if isinstance(shape, str):
        return shape
    if _is_dims(shape):
        dims = ["None" if d is None else str(d) for d in shape]
        return "(" + ", ".join(dims) + ("," if len(dims) == 1 else "") + ")"
    if isinstance(shape, dict):
        return "{" + ", ".join(f"'{k}': {format_shape(v)}" for k, v in shape.items()) + "}"
    if isinstance(shape, list):
        return "[" + ", ".join(format_shape(s) for s in shape) + "]"
    return str(shape)


def keras_shape_text(node, which) -> str:
    """``node``'s input or output shape as tf-keras's ``plot_model`` prints it (an
    ``InputLayer``'s shape is in a list, as its ``input_shape`` is in tf-keras)."""
    shape = node.get(f"{which}_shape")
    text = format_shape(shape)
    if node.get("class_name") == "InputLayer" and shape not in (None, "multiple"):
        text = f"[{text}]"
    return text


def escape_record(text) -> str:
    """Escape the characters that have a meaning in a DOT ``record`` label."""
    out = []
    for ch in str(text):
        if ch in '{}|<>"\\':
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        else:
            out.append(ch)
    return "".join(out)


def _quote(text) -> str:
    """A DOT double-quoted string (ids, cluster labels)."""
    return '"' + str(text).replace("\\", "\\\\").replace('"', '\\"') + '"'


def display_name_and_class(node):
    """``(name, class)`` as Keras labels them (``'td(dense)'``, ``'TimeDistributed(Dense)'``
    for a wrapper)."""
    name, cls = node["name"], node["class_name"]
    wrapped = node.get("wrapped")
    if wrapped:
        name = f"{name}({wrapped['name']})"
        cls = f"{cls}({wrapped['class_name']})"
    return name, cls


def record_label(
    node,
    show_shapes=False,
    show_dtype=False,
    show_layer_names=True,
    show_layer_activations=False,
    show_trainable=False,
) -> str:
    """The record label tf-keras's ``model_to_dot`` gives a layer's node."""
    name, cls = display_name_and_class(node)
    label = escape_record(cls)
    if show_layer_activations and node.get("activation") is not None:
        label = "{" + label + "|" + escape_record(node["activation"]) + "}"
    if show_layer_names:
        label = f"{escape_record(name)}|{label}"
    if show_dtype:
        dtype = node.get("dtype")
        label = f"{label}|{escape_record('?' if dtype is None else dtype)}"
    if show_shapes:
        inputs = escape_record(keras_shape_text(node, "input"))
        outputs = escape_record(keras_shape_text(node, "output"))
        label = "{" + label + "}|{input:|output:}|{{" + inputs + "}|{" + outputs + "}}"
    if show_trainable:
        label = f"{'T' if node.get('trainable') else 'NT'}|{label}"
    if node.get("status") == "error" and node.get("error"):
        message = node["error"].get("message", "")
        if len(message) > 80:
            message = message[:77] + "..."
        label = "{" + label + "|" + escape_record("error: " + message) + "}"
    return label


def to_dot(
    g,
    show_shapes=False,
    show_dtype=False,
    show_layer_names=True,
    rankdir="TB",
    dpi=96,
    show_layer_activations=False,
    show_trainable=False,
    subgraph=False,
) -> str:
    """DOT source for the graph description ``g``.

    ``subgraph=True`` gives a dashed ``cluster`` block named after the model (Keras's
    ``model_to_dot(..., subgraph=True)``) instead of a whole ``digraph``.
    """
    check_rankdir(rankdir)
    options = {
        "show_shapes": show_shapes,
        "show_dtype": show_dtype,
        "show_layer_names": show_layer_names,
        "show_layer_activations": show_layer_activations,
        "show_trainable": show_trainable,
    }
    children: dict = {}
    for node in g["nodes"]:
        children.setdefault(node.get("parent"), []).append(node)

    lines = []

    def emit(parent):
        for node in children.get(parent, []):
            if node.get("expanded"):
                lines.append(f"subgraph {_quote('cluster_' + node['id'])} {{")
                lines.append("style=dashed;")
                lines.append(f"label={_quote(node['name'])};")
                lines.append("labeljust=l;")
                emit(node["id"])
                lines.append("}")
                continue
            # record_label escapes `"` itself; DOT passes the other backslash escapes through
            attrs = [f'label="{record_label(node, **options)}"']
            status = node.get("status", "ok")
            if status == "error":
                attrs += ['color="#c62828"', 'fontcolor="#c62828"', "penwidth=2"]
            elif status == "not_reached":
                attrs += ["style=dashed", 'color="#9e9e9e"', 'fontcolor="#9e9e9e"']
            lines.append(f"{_quote(node['id'])} [{', '.join(attrs)}];")

    emit(None)
    seen = set()
    for edge in g["edges"]:
        key = (edge["source"], edge["target"])
        if key in seen:
            continue
        seen.add(key)
        attrs = ' [style=dashed, color="#9e9e9e"]' if edge.get("pending") else ""
        lines.append(f"{_quote(edge['source'])} -> {_quote(edge['target'])}{attrs};")

    if subgraph:
        name = g.get("name") or "model"
        head = [
            f"subgraph {_quote('cluster_' + name)} {{",
            "style=dashed;",
            f"label={_quote(name)};",
            "labeljust=l;",
        ]
    else:
        head = [
            "digraph G {",
            f"rankdir={rankdir};",
            "concentrate=true;",
            f"dpi={int(dpi) if float(dpi).is_integer() else dpi};",
            "node [shape=record];",
        ]
    return "\n".join([*head, *lines, "}"]) + "\n"


__all__ = [
    "RANKDIRS",
    "check_rankdir",
    "escape_record",
    "format_shape",
    "keras_shape_text",
    "record_label",
    "to_dot",
]
