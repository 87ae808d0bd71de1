"""Saving and loading models and weights, in Keras 2 (``.h5``) and Keras 3 (``.keras``) formats.

>>> import os, tempfile
>>> import numpy as np
>>> from kviz.layers import Dense
>>> from kviz.models import Sequential, load_model
>>> model = Sequential([Dense(2, input_shape=(3,))])
>>> path = os.path.join(tempfile.mkdtemp(), 'model.h5')
>>> model.save(path)
>>> restored = load_model(path)
>>> bool(np.allclose(restored.predict(np.ones((1, 3)), verbose=0),
...                  model.predict(np.ones((1, 3)), verbose=0)))
True

What loads where (checked by ``tests/oracle/test_oracle_saving.py``):

* kviz ``.h5`` (full model or ``save_weights``): kviz yes; tf-keras yes, optimizer state
  into its legacy optimizers; Keras 3 exactly where it reads tf-keras's ``.h5`` of the same
  model (not nested models, recurrent layers, SeparableConv; ``compile=True`` fails on
  ``loss='mse'`` there).
* kviz ``.keras``: kviz yes; Keras 3 yes, optimizer state included; tf-keras no (its
  ``.keras`` reader rejects Keras 3 configs: ``batch_shape``).
* kviz ``.weights.h5`` (Keras 3 layout): kviz, Keras 3 and tf-keras (``load_weights``) yes.
* tf-keras ``.h5`` / ``.keras``, Keras 3 ``.keras`` / ``.weights.h5`` / ``.h5``: kviz yes,
  optimizer state included (tf-keras's legacy and new optimizers, Keras 3's).

Limits: layers kviz does not have cannot be loaded (the error names them); ``OpLambda`` nodes
(kviz ops applied to symbolic tensors) round-trip in kviz only; Keras 3 redefined
``hard_sigmoid`` (kviz warns when such a layer crosses); Nadam and tf-keras's new RMSprop use
other update formulas, so their state carries over but later steps differ slightly. HDF5 has no
checksums: truncated files are detected, but bytes flipped inside an ``.h5`` may go unnoticed
(or, in HDF5 metadata, crash the HDF5 library); ``.keras`` archives are CRC-checked.

Modules: :mod:`~kviz.saving.api` (format dispatch), :mod:`~kviz.saving.hdf5_format` (Keras 2
HDF5), :mod:`~kviz.saving.keras_zip_format` (Keras 3 ``.keras``), :mod:`~kviz.saving.
keras3_config` and :mod:`~kviz.saving.keras3_weights` (the Keras 3 dialect of configs and weight
files), :mod:`~kviz.saving.training_config` (compile arguments), :mod:`~kviz.saving.
optimizer_state` (optimizer state layouts), :mod:`~kviz.saving.legacy_weights` (Keras 1,
Theano and cuDNN conversions), :mod:`~kviz.saving.atomic` and :mod:`~kviz.saving.h5_io`.

``h5py`` is imported only when a file is read or written. Importing this package registers
the implementations of ``Model.save``/``save_weights``/``load_weights`` and of
``kviz.models.load_model``/``save_model`` (``kviz.models.hooks``); ``import kviz`` does that.
"""

from kviz.models import hooks as _hooks
from kviz.saving.api import load_model, load_weights, save_model, save_weights

_hooks.SAVING.update(
    {
        "save_model": save_model,
        "load_model": load_model,
        "save_weights": save_weights,
        "load_weights": load_weights,
    }
)

__all__ = ["load_model", "load_weights", "save_model", "save_weights"]
