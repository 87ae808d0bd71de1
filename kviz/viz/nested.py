"""Collapse and expand nested models in a graph description, one model at a time.

:func:`kviz.viz.graph` expands either every nested model (``expand_nested=True``) or none. The
``ModelGraph`` widget lets a student open one nested model and keep the others closed; it asks
:func:`~kviz.viz.graph.graph` once for the fully expanded description and then calls
:func:`collapse` with the ids of the models to keep open. A collapsed nested model is one node
again: the edges that went to (or came from) its inner layers now end at that node, and the
edges between its own layers are gone, exactly as ``graph(model, expand_nested=False)`` draws it.

>>> from kviz.layers import Dense, Input
>>> from kviz.models import Model
>>> from kviz.viz import graph
>>> i = Input(shape=(3,), name='i')
>>> block = Model(i, Dense(3, name='inner')(i), name='block')
>>> x = Input(shape=(3,), name='x')
>>> full = graph(Model(x, Dense(1, name='out')(block(x))), expand_nested=True)
>>> expandable(full)
['block']
>>> g = collapse(full, expanded=[])
>>> [n['id'] for n in g['nodes']], [(e['source'], e['target']) for e in g['edges']]
(['x', 'block', 'out'], [('x', 'block'), ('block', 'out')])
>>> [n['id'] for n in collapse(full, expanded=['block'])['nodes']]
['x', 'block', 'block/i', 'block/inner', 'out']
"""

from __future__ import annotations


def expandable(g) -> list:
    """Ids of the nested models that ``g`` draws as clusters of their own layers (in the order
    of ``g['nodes']``): the ones a viewer can collapse and expand."""
    return [n["id"] for n in g["nodes"] if n.get("expanded")]


def _check_ids(g, ids, what):
    if isinstance(ids, str):
        ids = [ids]
    ids = list(ids)
    known = set(expandable(g))
    unknown = [i for i in ids if i not in known]
    if unknown:
        raise ValueError(
            f"{what} must name nested models of this graph ({sorted(known) or 'there are none'}); "
            f"received {unknown}"
        )
    return ids


def collapse(g, expanded=()) -> dict:
    """A copy of the description ``g`` in which only the nested models named in ``expanded`` (and
    their enclosing models, which must be open to show them) stay expanded; every other nested
    model is one node again.

    ``g`` should come from ``graph(model, expand_nested=True)``. Raises ``ValueError`` for ids in
    ``expanded`` that are not expandable nested models of ``g``.
    """
    keep = set(_check_ids(g, expanded, "expanded"))
    by_id = {n["id"]: n for n in g["nodes"]}

    def chain(node_id):
        """The enclosing expanded models of ``node_id``, outermost first."""
        out = []
        parent = by_id[node_id].get("parent")
        while parent is not None and parent in by_id:
            out.append(parent)
            parent = by_id[parent].get("parent")
        return out[::-1]

    # a model stays open only if it and every model around it is open
    open_models = {m for m in keep if all(a in keep for a in chain(m))}

    def shown_as(node_id):
        """The node that stands for ``node_id`` once closed models are folded up."""
        for ancestor in chain(node_id):
            if ancestor not in open_models:
                return ancestor
        return node_id

    nodes = []
    for n in g["nodes"]:
        if shown_as(n["id"]) != n["id"]:
            continue
        entry = dict(n)
        if n.get("expanded") and n["id"] not in open_models:
            entry["expanded"] = False
        nodes.append(entry)
    edges = []
    for e in g["edges"]:
        source, target = shown_as(e["source"]), shown_as(e["target"])
        folded = source != e["source"] or target != e["target"]
        if folded and source == target:
            # inside the closed model C, unless it feeds C's own input: then the model feeds
            # itself (a shared model called on its own output), a loop in the collapsed view
            entering = by_id[e["target"]].get("kind") == "input"
            if not (entering and by_id[e["target"]].get("parent") == source):
                continue
        edges.append({**e, "source": source, "target": target})
    out = dict(g)
    out["nodes"] = nodes
    out["edges"] = edges
    out["inputs"] = list(dict.fromkeys(shown_as(i) for i in g.get("inputs", [])))
    out["outputs"] = list(dict.fromkeys(shown_as(o) for o in g.get("outputs", [])))
    out["expand_nested"] = bool(open_models)
    return out


__all__ = ["collapse", "expandable"]
