"""Optimizer state across formats: kviz / tf.keras legacy, tf.keras (new) and Keras 3.

kviz's optimizers keep their state as tf.keras's *legacy* optimizers do (and as Keras 2.2 did):
``[iterations, non-slot weights, slot_a(var_1..var_n), slot_b(var_1..var_n), ...]``, with
names such as ``Adam/iter:0`` and ``Adam/dense/kernel/m:0``. That is what kviz writes to
``optimizer_weights`` in ``.h5`` files, and tf.keras loads it into its legacy optimizer.

Two other layouts are read (and the Keras 3 one written):

* **tf.keras >= 2.11 optimizers** (``"Custom>Adam"`` in the training config): ``iteration:0``
  then, per variable, one entry per slot (``Adam/m/dense/kernel:0``, ``Adam/v/dense/kernel:0``).
  The slot names (second component) are mapped onto kviz's slots.
* **Keras 3** (``optimizer/vars/<i>`` of ``.keras``/``.weights.h5``, and ``optimizer_weights``
  of the ``.h5`` files Keras 3 writes): ``iterations``,
  ``learning_rate`` (absent when the learning rate is a schedule), then for each group of slots
  that Keras builds together, per variable, one entry per slot of the group (Adam:
  ``m_1, v_1, m_2, v_2...``); Nadam ends with its ``u_product`` (kviz's ``momentum_cache``).

The update formulas of Keras 3 and tf.keras's new optimizers are the same as kviz's for SGD,
Adam, Adamax, Adagrad and Nadam; RMSprop and Adadelta differ slightly (where epsilon goes), so
their state carries over but the next updates are not bit-identical.
"""

from __future__ import annotations

import numpy as np

# Slot groups as Keras 3 builds them (kviz slot names); within a group Keras interleaves the
# slots per variable. Only the groups whose slots kviz actually created are used.
KERAS3_GROUPS = {
    "Adam": [["m", "v"], ["vhat"]],
    "SGD": [["momentum"]],
    "RMSprop": [["rms"], ["momentum"], ["mg"]],
    "Adagrad": [["accumulator"]],
    "Adadelta": [["accum_grad", "accum_var"]],
    "Adamax": [["m", "v"]],
    "Nadam": [["m", "v"]],
}

# Slot names of tf.keras's new optimizers (and Keras 3 variable paths) -> kviz slot names.
FOREIGN_SLOT_NAMES = {
    "Adam": {"m": "m", "v": "v", "vhat": "vhat", "momentum": "m", "velocity": "v"},
    "SGD": {"m": "momentum", "momentum": "momentum"},
    "RMSprop": {"velocity": "rms", "momentum": "momentum", "average_gradient": "mg"},
    "Adagrad": {"accumulator": "accumulator"},
    "Adadelta": {"accumulated_grad": "accum_grad", "accumulated_delta_var": "accum_var"},
    "Adamax": {"m": "m", "u": "v", "momentum": "m", "norm": "v"},
    "Nadam": {"m": "m", "v": "v", "momentum": "m", "velocity": "v"},
}

FRESH_OPTIMIZER_WARNING = (
    "Error in loading the saved optimizer state. As a result, your model is starting with a "
    "freshly initialized optimizer."
)


def base_name(optimizer) -> str | None:
    """The built-in optimizer class ``optimizer`` is (or derives from): ``'Adam'``..."""
    for cls in type(optimizer).__mro__:
        if cls.__name__ in KERAS3_GROUPS and cls.__module__.startswith("kviz."):
            return cls.__name__
    return None


def _is_schedule(optimizer) -> bool:
    from kviz.autodiff.tensor import Variable

    return not isinstance(optimizer.learning_rate, Variable)


def build(optimizer, var_list):
    """Create the optimizer's slots for ``var_list`` (no update is applied)."""
    optimizer.build(list(var_list))


def _slot_index(optimizer, var_list):
    """``{id(slot variable): (slot name, variable index)}``."""
    index = {}
    names = optimizer.get_slot_names()
    for i, var in enumerate(var_list):
        for name in names:
            try:
                slot = optimizer.get_slot(var, name)
            except KeyError:
                continue
            index[id(slot)] = (name, i)
    return index


def _non_slot_name(weight) -> str:
    return weight.name.rsplit("/", 1)[-1].split(":")[0]


def set_state(optimizer, var_list, iterations, slots, extra=None):
    """Set the state from ``iterations``, ``slots`` ``{(kviz slot, var index): array}`` and
    ``extra`` non-slot weights ``{name: value}``; builds the slots first. ValueError when
    something does not fit (nothing is changed then)."""
    build(optimizer, var_list)
    index = _slot_index(optimizer, var_list)
    extra = dict(extra or {})
    values = []
    for w in optimizer.weights:
        if w is optimizer.iterations:
            values.append(np.asarray(iterations, dtype=np.int64).reshape(()))
        elif id(w) in index:
            key = index[id(w)]
            if key not in slots:
                raise ValueError(f"no saved value for slot {key[0]!r} of variable #{key[1]}")
            values.append(slots[key])
        else:
            name = _non_slot_name(w)
            if name == "momentum_cache" and name not in extra:
                extra[name] = nadam_momentum_cache(optimizer, int(np.asarray(iterations)))
            if name not in extra:
                raise ValueError(f"no saved value for the optimizer weight {w.name!r}")
            values.append(np.asarray(extra[name]).reshape(w.shape))
    extra_keys = set(slots) - set(index.values())
    if extra_keys:
        raise ValueError(
            f"the saved state has {len(slots)} slot values, the optimizer "
            f"{len(index)} (unexpected: {sorted(extra_keys)[:3]})"
        )
    optimizer.set_weights(values)


def nadam_momentum_cache(optimizer, iterations) -> float:
    """Nadam's product of momentum-cache values after ``iterations`` updates."""
    beta_1 = float(np.asarray(optimizer.beta_1.data))
    decay = float(getattr(optimizer, "schedule_decay", 0.004))
    prod = np.float32(1.0)
    for t in range(1, iterations + 1):
        prod = np.float32(float(prod) * beta_1 * (1.0 - 0.5 * 0.96 ** (t * decay)))
    return float(prod)


# ------------------------------------------------------------------ tf.keras (new)
def is_tf_keras_new_layout(names) -> bool:
    return bool(names) and names[0].split("/")[-1] == "iteration:0" and "/" not in names[0]


def load_tf_keras_new_layout(optimizer, var_list, names, values):
    """State from a tf.keras >= 2.11 optimizer (names ``iteration:0``, ``Adam/m/<var>:0``)."""
    kind = base_name(optimizer)
    if kind is None:
        raise ValueError(f"no tf.keras slot mapping for optimizer {type(optimizer).__name__}")
    mapping = FOREIGN_SLOT_NAMES[kind]
    iterations = values[0]
    if len(values) == 1:  # an optimizer that never ran: its iteration count only
        optimizer.iterations.assign(np.asarray(iterations, dtype=np.int64).reshape(()))
        return
    per_slot: dict[str, list] = {}
    for name, value in zip(names[1:], values[1:], strict=True):
        parts = name.split("/")
        if len(parts) < 3:
            raise ValueError(f"unexpected optimizer weight name {name!r}")
        slot = mapping.get(parts[1])
        if slot is None:
            raise ValueError(f"unknown slot {parts[1]!r} of a tf.keras {kind} optimizer")
        per_slot.setdefault(slot, []).append(value)
    slots = {}
    for slot, vals in per_slot.items():
        if len(vals) != len(var_list):
            raise ValueError(
                f"slot {slot!r}: {len(vals)} saved values for {len(var_list)} variables"
            )
        for i, v in enumerate(vals):
            slots[(slot, i)] = v
    set_state(optimizer, var_list, iterations, slots)


# ------------------------------------------------------------------------- Keras 3
def is_keras3_layout(names) -> bool:
    """Keras 3's legacy ``.h5`` writer names the state ``adam/iteration``,
    ``adam/learning_rate``, ``adam/<variable path>_momentum``... (Keras 3 order)."""
    return bool(names) and names[0].endswith("/iteration") and ":" not in names[0]


def _keras3_groups(optimizer):
    kind = base_name(optimizer)
    if kind is None:
        raise ValueError(f"no Keras 3 layout for optimizer {type(optimizer).__name__}")
    created = set(optimizer.get_slot_names())
    groups = []
    for group in KERAS3_GROUPS[kind]:
        present = [s for s in group if s in created]
        if present:
            groups.append(present)
    return kind, groups


def keras3_values(optimizer, var_list):
    """The optimizer state in Keras 3 order (``optimizer/vars/<i>``)."""
    kind, groups = _keras3_groups(optimizer)
    values = [np.asarray(optimizer.iterations.data, dtype=np.int64)]
    if not _is_schedule(optimizer):
        values.append(np.asarray(optimizer.learning_rate.data, dtype=np.float32))
    if not optimizer.get_slot_names():
        return values
    for group in groups:
        for var in var_list:
            for slot in group:
                values.append(np.asarray(optimizer.get_slot(var, slot).data))
    if kind == "Nadam":
        cache = [w for w in optimizer.weights if _non_slot_name(w) == "momentum_cache"]
        values.append(np.asarray(cache[0].data if cache else 1.0, dtype=np.float32))
    return values


def load_keras3_values(optimizer, var_list, values):
    """Set the state from Keras 3's ``optimizer/vars`` list."""
    values = list(values)
    if not values:
        raise ValueError("the saved optimizer state is empty")
    build(optimizer, var_list)
    kind, groups = _keras3_groups(optimizer)
    n_slots = sum(len(g) for g in groups) * len(var_list)
    n_tail = 1 if kind == "Nadam" else 0
    if len(values) in (1, 2) and len(values) < 2 + n_slots:
        # an optimizer that never ran: iterations (and the learning rate) only
        has_lr = len(values) == 2
        slots_values, tail = [], []
    elif len(values) == 2 + n_slots + n_tail:
        has_lr = True
        slots_values, tail = values[2 : 2 + n_slots], values[2 + n_slots :]
    elif len(values) == 1 + n_slots + n_tail:
        has_lr = False
        slots_values, tail = values[1 : 1 + n_slots], values[1 + n_slots :]
    else:
        raise ValueError(
            f"the saved {kind} state has {len(values)} variables; kviz expects "
            f"{2 + n_slots + n_tail} for {len(var_list)} trainable weights"
        )
    if has_lr and not _is_schedule(optimizer):
        lr = np.asarray(values[1])
        if lr.shape == ():
            optimizer.learning_rate.assign(lr.astype(np.float32))
    if not slots_values:
        optimizer.iterations.assign(np.asarray(values[0], dtype=np.int64).reshape(()))
        return
    slots = {}
    it = iter(slots_values)
    for group in groups:
        for i in range(len(var_list)):
            for slot in group:
                slots[(slot, i)] = next(it)
    extra = {"momentum_cache": tail[0]} if tail else None
    set_state(optimizer, var_list, values[0], slots, extra)
