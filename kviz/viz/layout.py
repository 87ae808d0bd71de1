"""A layered ("Sugiyama") layout of a graph description, in pure Python.

This is what draws a model when Graphviz's ``dot`` program is not installed. The steps are the
classic ones:

1. **layering**: longest path from the inputs (an input used late, such as a second input
   joined deep in the network, is pulled down next to the layer that uses it);
2. edges spanning several layers get invisible **dummy** vertices, one per layer crossed, so
   that they bend around the boxes in between;
3. **ordering**: sweeps down and up that sort each layer by the barycenter of its neighbours
   in the layer above (below), keeping the order with the fewest crossings; the layers of an
   expanded nested model stay together;
4. **coordinates**: boxes are packed left to right, then moved toward the average position of
   their neighbours without overlapping; a nested model is laid out first and then placed as
   one block (a cluster);
5. each edge becomes a polyline from the source box to the target box through its dummies.

Units are points (1/72 inch), as in Graphviz. ``rankdir`` is ``'TB'`` (top to bottom), ``'BT'``,
``'LR'`` (left to right) or ``'RL'``.

>>> g = {"nodes": [{"id": "a"}, {"id": "b"}, {"id": "c"}],
...      "edges": [{"source": "a", "target": "b"}, {"source": "a", "target": "c"}]}
>>> box = layout(g, {"a": (60, 20), "b": (60, 20), "c": (60, 20)})
>>> box["nodes"]["a"]["y"] < box["nodes"]["b"]["y"] == box["nodes"]["c"]["y"]
True
>>> box["nodes"]["b"]["x"] < box["nodes"]["c"]["x"]
True
"""

from __future__ import annotations

from kviz.viz.dot import check_rankdir

DUMMY_BREADTH = 4.0


class _Vertex:
    __slots__ = ("id", "breadth", "depth", "parent", "rank", "kind", "index")

    def __init__(self, vid, breadth, depth, parent, kind, index):
        self.id = vid
        self.breadth = float(breadth)
        self.depth = float(depth)
        self.parent = parent
        self.rank = 0
        self.kind = kind  # "box", "dummy" or "filler"
        self.index = index


def _find_back_edges(order, succ):
    """Edges that close a cycle (models are acyclic; this keeps a broken input from hanging)."""
    state, back = {}, set()
    for root in order:
        if root in state:
            continue
        stack = [(root, iter(succ[root]))]
        state[root] = 1
        while stack:
            v, it = stack[-1]
            for w in it:
                if state.get(w) == 1:
                    back.add((v, w))
                elif w not in state:
                    state[w] = 1
                    stack.append((w, iter(succ[w])))
                    break
            else:
                state[v] = 2
                stack.pop()
    return back


def _crossings(upper_pos, lower_pos, edges):
    """Crossings between two adjacent layers (count of inversions, Fenwick tree)."""
    pairs = sorted((upper_pos[u], lower_pos[v]) for u, v in edges)
    if len(pairs) < 2:
        return 0
    size = max(p[1] for p in pairs) + 2
    tree = [0] * (size + 1)
    count = 0
    for seen, (_, b) in enumerate(pairs):
        i, le = b + 1, 0
        while i > 0:
            le += tree[i]
            i -= i & -i
        count += seen - le
        i = b + 1
        while i <= size:
            tree[i] += 1
            i += i & -i
    return count


def layout(
    g,
    sizes,
    rankdir="TB",
    nodesep=18.0,
    ranksep=30.0,
    margin=8.0,
    cluster_pad=10.0,
    cluster_label=14.0,
    iterations=None,
) -> dict:
    """Positions for the graph description ``g``.

    ``sizes`` maps each (non-cluster) node id to its ``(width, height)``. Returns
    ``{"rankdir", "width", "height", "nodes", "clusters", "edges"}``: ``nodes[id]`` and
    ``clusters[id]`` are ``{"x", "y", "w", "h"}`` boxes (top-left corner; clusters also have
    ``depth``, 1 for a top-level nested model), and ``edges`` has one
    ``{"source", "target", "points"}`` per connected pair of nodes, the points running from the
    source box's border to the target box's border.
    """
    check_rankdir(rankdir)
    vertical = rankdir in ("TB", "BT")
    nodes = g["nodes"]
    parent_of = {n["id"]: n.get("parent") for n in nodes}
    cluster_ids = [n["id"] for n in nodes if n.get("expanded")]
    clusters = set(cluster_ids)
    for n in nodes:  # a parent that is not an expanded node in g: treat as top level
        if parent_of[n["id"]] not in clusters:
            parent_of[n["id"]] = None

    def ancestors(cid):
        chain = []
        while cid is not None:
            chain.append(cid)
            cid = parent_of.get(cid)
        return chain[::-1]

    cluster_chain = {c: ancestors(c) for c in cluster_ids}
    cluster_index = {c: i for i, c in enumerate(cluster_ids)}

    verts: dict[str, _Vertex] = {}
    box_ids = []
    for i, n in enumerate(nodes):
        if n.get("expanded"):
            continue
        w, h = sizes[n["id"]]
        breadth, depth = (w, h) if vertical else (h, w)
        verts[n["id"]] = _Vertex(n["id"], breadth, depth, parent_of[n["id"]], "box", i)
        box_ids.append(n["id"])

    pairs = []
    for e in g["edges"]:
        key = (e["source"], e["target"])
        if key[0] == key[1] or key[0] not in verts or key[1] not in verts or key in pairs:
            continue
        pairs.append(key)

    # ---------------------------------------------------------------- 1. layering
    succ = {v: [] for v in box_ids}
    for s, t in pairs:
        succ[s].append(t)
    back = _find_back_edges(box_ids, succ)
    dag = [(t, s) if (s, t) in back else (s, t) for s, t in pairs]
    preds = {v: [] for v in box_ids}
    succs = {v: [] for v in box_ids}
    for s, t in dag:
        if t not in succs[s]:
            succs[s].append(t)
            preds[t].append(s)
    indeg = {v: len(preds[v]) for v in box_ids}
    queue = [v for v in box_ids if indeg[v] == 0]
    topo = []
    while queue:
        v = queue.pop(0)
        topo.append(v)
        for w in succs[v]:
            indeg[w] -= 1
            if indeg[w] == 0:
                queue.append(w)
    rank = {}
    for v in topo:
        rank[v] = max((rank[p] + 1 for p in preds[v]), default=0)
    for v in topo:  # sources sit right above their first consumer
        if not preds[v] and succs[v]:
            rank[v] = min(rank[w] for w in succs[v]) - 1
    for v in box_ids:
        verts[v].rank = rank[v]

    # ------------------------------------------------------- 2. dummies and fillers
    def common_parent(a, b):
        ca = ancestors(a) if a else []
        cb = ancestors(b) if b else []
        common = None
        for x, y in zip(ca, cb, strict=False):
            if x != y:
                break
            common = x
        return common

    chains = {}  # (s, t) in dag order -> [s, dummies..., t]
    counter = 0
    for s, t in dag:
        chain = [s]
        if rank[t] - rank[s] > 1:
            par = common_parent(verts[s].parent, verts[t].parent)
            for r in range(rank[s] + 1, rank[t]):
                counter += 1
                did = f"\x00dummy{counter}"
                v = _Vertex(did, DUMMY_BREADTH, 0.0, par, "dummy", len(nodes) + counter)
                v.rank = r
                v.index = (verts[s].index + verts[t].index) / 2
                verts[did] = v
                chain.append(did)
        chain.append(t)
        chains[(s, t)] = chain

    def vertex_chain(v):
        return ancestors(verts[v].parent) if verts[v].parent else []

    span = {}
    for v in list(verts):
        for c in vertex_chain(v):
            lo, hi = span.get(c, (verts[v].rank, verts[v].rank))
            span[c] = (min(lo, verts[v].rank), max(hi, verts[v].rank))
    cluster_ids = [c for c in cluster_ids if c in span]  # drop empty clusters
    clusters = set(cluster_ids)
    by_depth = sorted(cluster_ids, key=lambda c: -len(cluster_chain[c]))
    occupied = {}
    for v in verts.values():
        for c in vertex_chain(v.id):
            occupied.setdefault(c, set()).add(v.rank)
    for c in by_depth:  # a cluster is one block: it owns every layer it spans
        lo, hi = span[c]
        for r in range(lo, hi + 1):
            if r in occupied.get(c, set()):
                continue
            counter += 1
            fid = f"\x00filler{counter}"
            v = _Vertex(fid, DUMMY_BREADTH, 0.0, c, "filler", cluster_index[c])
            v.rank = r
            verts[fid] = v
            for a in cluster_chain[c]:
                occupied.setdefault(a, set()).add(r)

    n_ranks = max((v.rank for v in verts.values()), default=-1) + 1
    layers = [[] for _ in range(n_ranks)]
    for v in sorted(verts.values(), key=lambda v: v.index):
        layers[v.rank].append(v.id)

    chain_of = {v: vertex_chain(v) for v in verts}
    up = {v: [] for v in verts}  # neighbours in the layer above
    down = {v: [] for v in verts}
    seg_edges = [[] for _ in range(max(n_ranks - 1, 0))]
    for chain in chains.values():
        for a, b in zip(chain, chain[1:], strict=False):
            down[a].append(b)
            up[b].append(a)
            seg_edges[verts[a].rank].append((a, b))

    # ------------------------------------------------------------------ 3. ordering
    def arrange(layer, key, ckey):
        def level(items, depth):
            groups, order = {}, []
            for v in items:
                chain = chain_of[v]
                head = chain[depth] if len(chain) > depth else v
                if head not in groups:
                    groups[head] = []
                    order.append(head)
                groups[head].append(v)
            order.sort(key=lambda h: ckey[h] if h in clusters else key[h])
            out = []
            for h in order:
                out.extend(level(groups[h], depth + 1) if h in clusters else [h])
            return out

        return level(layer, 0)

    def positions(lays):
        return {v: i for layer in lays for i, v in enumerate(layer)}

    def cluster_keys(pos):
        acc = {}
        for v, p in pos.items():
            for c in chain_of[v]:
                s, k = acc.get(c, (0.0, 0))
                acc[c] = (s + p, k + 1)
        return {c: (s / k, cluster_index[c]) for c, (s, k) in acc.items()}

    def total_crossings(lays):
        pos = positions(lays)
        return sum(_crossings(pos, pos, seg_edges[r]) for r in range(len(seg_edges)))

    pos = positions(layers)
    ckey = cluster_keys(pos)
    layers = [
        arrange(layer, {v: (pos[v], verts[v].index) for v in layer}, ckey) for layer in layers
    ]
    best, best_cross = [list(x) for x in layers], total_crossings(layers)
    if iterations is None:
        iterations = 12 if len(verts) <= 400 else 4
    stale = 0
    for _ in range(iterations):
        if best_cross == 0:
            break
        for direction in ("down", "up"):
            pos = positions(layers)
            ckey = cluster_keys(pos)
            rng = range(1, n_ranks) if direction == "down" else range(n_ranks - 2, -1, -1)
            for r in rng:
                nbrs = up if direction == "down" else down
                key = {}
                for v in layers[r]:
                    ps = [pos[u] for u in nbrs[v]]
                    key[v] = (sum(ps) / len(ps) if ps else pos[v], verts[v].index)
                layers[r] = arrange(layers[r], key, ckey)
                for i, v in enumerate(layers[r]):
                    pos[v] = i
        cross = total_crossings(layers)
        if cross < best_cross:
            best, best_cross, stale = [list(x) for x in layers], cross, 0
        else:
            stale += 1
            if stale >= 3:
                break
    layers = best

    # -------------------------------------------------------------- 4. coordinates
    label_pad = cluster_pad + cluster_label
    if rankdir == "TB":
        rpad_start, rpad_end, opad_start, opad_end = (
            label_pad,
            cluster_pad,
            cluster_pad,
            cluster_pad,
        )
    elif rankdir == "BT":
        rpad_start, rpad_end, opad_start, opad_end = (
            cluster_pad,
            label_pad,
            cluster_pad,
            cluster_pad,
        )
    else:
        rpad_start, rpad_end, opad_start, opad_end = (
            cluster_pad,
            cluster_pad,
            label_pad,
            cluster_pad,
        )

    order_pos = {}  # vertex -> position along the layer, relative to its container
    cluster_left = {}  # cluster -> left edge relative to its parent container
    cluster_width = {}
    children_of = {}
    for c in cluster_ids:
        children_of.setdefault(parent_of.get(c), []).append(c)

    def item_of(v, container, depth):
        chain = chain_of[v]
        if container is not None and (len(chain) < depth or chain[depth - 1] != container):
            return None
        return chain[depth] if len(chain) > depth else v

    def breadth_of(item):
        return cluster_width[item] if item in clusters else verts[item].breadth

    def gap(a, b):
        if a in verts and b in verts and verts[a].kind != "box" and verts[b].kind != "box":
            return nodesep / 3
        return nodesep

    def offset_in(v, item):
        """Position of vertex ``v`` relative to the center of ``item`` (its block)."""
        if item == v:
            return 0.0
        x = order_pos[v]
        chain = chain_of[v]
        i = chain.index(item)
        for c in chain[i + 1 :]:
            x += cluster_left[c]
        return x - cluster_width[item] / 2

    def solve(container, depth):
        for child in children_of.get(container, []):
            solve(child, depth + 1)
        lo, hi = span[container] if container is not None else (0, n_ranks - 1)
        rows = []
        for r in range(lo, hi + 1):
            row = []
            for v in layers[r]:
                it = item_of(v, container, depth)
                if it is not None and (not row or row[-1] != it):
                    row.append(it)
            rows.append(row)
        items = list(dict.fromkeys(it for row in rows for it in row))
        left_of = {it: [] for it in items}
        right_of = {it: [] for it in items}
        for row in rows:
            for a, b in zip(row, row[1:], strict=False):
                need = (breadth_of(a) + breadth_of(b)) / 2 + gap(a, b)
                right_of[a].append((b, need))
                left_of[b].append((a, need))
        # initial packing: longest path over the "is left of" constraints
        x = {}
        indeg = {it: len(left_of[it]) for it in items}
        queue = [it for it in items if indeg[it] == 0]
        while queue:
            it = queue.pop(0)
            x[it] = max((x[a] + need for a, need in left_of[it]), default=breadth_of(it) / 2)
            for b, _ in right_of[it]:
                indeg[b] -= 1
                if indeg[b] == 0:
                    queue.append(b)
        for it in items:  # unreachable only if the orders were inconsistent
            x.setdefault(it, breadth_of(it) / 2)
        # the vertices of this container and the item holding each
        members = [v for v in verts if item_of(v, container, depth) is not None]
        holder = {v: item_of(v, container, depth) for v in members}
        pulls = {it: [] for it in items}
        for v in members:
            for u in up[v] + down[v]:
                if u not in holder or holder[u] == holder[v]:
                    continue
                weight = 1.0
                if verts[v].kind == "dummy" and verts[u].kind == "dummy":
                    weight = 4.0
                elif verts[v].kind == "dummy" or verts[u].kind == "dummy":
                    weight = 2.0
                pulls[holder[v]].append((u, v, weight))

        def place(it):
            if it in clusters:
                return x[it] - cluster_width[it] / 2
            return x[it]

        def absolute(v):
            it = holder[v]
            return x[it] + offset_in(v, it)

        order_items = sorted(items, key=lambda it: (min_rank[it], x[it]))
        for sweep in range(8):
            seq = order_items if sweep % 2 == 0 else order_items[::-1]
            for it in seq:
                if not pulls[it]:
                    continue
                total = sum(w * (absolute(u) - offset_in(v, it)) for u, v, w in pulls[it])
                want = total / sum(w for _, _, w in pulls[it])
                low = max((x[a] + need for a, need in left_of[it]), default=-1e18)
                high = min((x[b] - need for b, need in right_of[it]), default=1e18)
                if low <= high:
                    x[it] = min(max(want, low), high)
        left = min((x[it] - breadth_of(it) / 2 for it in items), default=0.0)
        start, end = (opad_start, opad_end) if container is not None else (margin, margin)
        shift = start - left
        for it in items:
            x[it] += shift
            if it in clusters:
                cluster_left[it] = place(it)
            else:
                order_pos[it] = x[it]
        right = max((x[it] + breadth_of(it) / 2 for it in items), default=start)
        width = right + end
        if container is not None:
            cluster_width[container] = width
        return width

    min_rank = {v: verts[v].rank for v in verts}
    for c in cluster_ids:
        min_rank[c] = span[c][0]
    total_breadth = solve(None, 0)

    def absolute_order(v):
        x = order_pos[v]
        for c in chain_of[v]:
            x += cluster_left[c]
        return x

    def cluster_abs_left(c):
        return sum(cluster_left[a] for a in cluster_chain[c])

    # rank axis
    depth_of_rank = [0.0] * n_ranks
    for v in verts.values():
        depth_of_rank[v.rank] = max(depth_of_rank[v.rank], v.depth)
    start_level, end_level = {}, {}
    for c in by_depth:  # deepest first
        kids = children_of.get(c, [])
        start_level[c] = 1 + max(
            (start_level[k] for k in kids if span[k][0] == span[c][0]), default=0
        )
        end_level[c] = 1 + max((end_level[k] for k in kids if span[k][1] == span[c][1]), default=0)
    starts = [0] * (n_ranks + 1)
    ends = [0] * (n_ranks + 1)
    for c in cluster_ids:
        lo, hi = span[c]
        starts[lo] = max(starts[lo], start_level[c])
        ends[hi] = max(ends[hi], end_level[c])
    rank_top = []
    y = margin + rpad_start * (starts[0] if n_ranks else 0)
    for r in range(n_ranks):
        if r > 0:
            y += ranksep + rpad_end * ends[r - 1] + rpad_start * starts[r]
        rank_top.append(y)
        y += depth_of_rank[r]
    total_depth = y + (rpad_end * ends[n_ranks - 1] if n_ranks else 0) + margin

    def rank_center(v):
        r = verts[v].rank
        return rank_top[r] + depth_of_rank[r] / 2

    def to_xy(o, k):
        if rankdir == "TB":
            return o, k
        if rankdir == "BT":
            return o, total_depth - k
        if rankdir == "LR":
            return k, o
        return total_depth - k, o

    width, height = (total_breadth, total_depth) if vertical else (total_depth, total_breadth)

    out_nodes = {}
    for v in box_ids:
        vx = verts[v]
        o, k = absolute_order(v), rank_center(v)
        cx, cy = to_xy(o, k)
        w, h = (vx.breadth, vx.depth) if vertical else (vx.depth, vx.breadth)
        out_nodes[v] = {"x": cx - w / 2, "y": cy - h / 2, "w": w, "h": h}

    out_clusters = {}
    for c in cluster_ids:
        lo, hi = span[c]
        o0 = cluster_abs_left(c)
        o1 = o0 + cluster_width[c]
        k0 = rank_top[lo] - rpad_start * start_level[c]
        k1 = rank_top[hi] + depth_of_rank[hi] + rpad_end * end_level[c]
        (xa, ya), (xb, yb) = to_xy(o0, k0), to_xy(o1, k1)
        out_clusters[c] = {
            "x": min(xa, xb),
            "y": min(ya, yb),
            "w": abs(xb - xa),
            "h": abs(yb - ya),
            "depth": len(cluster_chain[c]),
        }

    # ------------------------------------------------------------------ 5. edges
    routes = {}
    for (s, t), chain in chains.items():
        pts = [[absolute_order(s), rank_center(s)]]
        for v in chain[1:-1]:  # a dummy crosses its layer's whole band, straight
            r = verts[v].rank
            o = absolute_order(v)
            pts += [[o, rank_top[r]], [o, rank_top[r] + depth_of_rank[r]]]
        pts.append([absolute_order(t), rank_center(t)])
        routes[(s, t)] = pts
    out_ports, in_ports = {}, {}
    for (s, t), pts in routes.items():
        out_ports.setdefault(s, []).append((pts[1][0], (s, t)))
        in_ports.setdefault(t, []).append((pts[-2][0], (s, t)))

    def spread(ports, v):
        ports.sort()
        k = len(ports)
        width_ = min(verts[v].breadth * 0.6, 14.0 * (k - 1))
        return {
            key: (-width_ / 2 + width_ * i / (k - 1) if k > 1 else 0.0)
            for i, (_, key) in enumerate(ports)
        }

    out_off = {v: spread(p, v) for v, p in out_ports.items()}
    in_off = {v: spread(p, v) for v, p in in_ports.items()}
    out_edges = []
    for s, t in pairs:
        reverse = (s, t) in back
        key = (t, s) if reverse else (s, t)
        pts = [list(p) for p in routes[key]]
        a, b = key
        pts[0] = [pts[0][0] + out_off[a][key], pts[0][1] + verts[a].depth / 2]
        pts[-1] = [pts[-1][0] + in_off[b][key], pts[-1][1] - verts[b].depth / 2]
        final = [list(to_xy(o, k)) for o, k in pts]
        if reverse:
            final.reverse()
        out_edges.append({"source": s, "target": t, "points": final})

    return {
        "rankdir": rankdir,
        "width": width,
        "height": height,
        "nodes": out_nodes,
        "clusters": out_clusters,
        "edges": out_edges,
    }


__all__ = ["layout"]
