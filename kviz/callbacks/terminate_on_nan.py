"""``TerminateOnNaN``: stop training as soon as the loss becomes NaN or infinite.

After every training batch the ``loss`` of the batch logs (the running mean of the epoch, as in
tf.keras) is checked; on NaN or +/-inf it prints ``Batch B: Invalid loss, terminating training``
(``B`` is the 0-based batch index within the epoch) and sets ``model.stop_training``, which ends
the epoch after this batch and then training.
"""

from __future__ import annotations

import numpy as np

from kviz.callbacks._common import print_msg
from kviz.engine.callbacks_base import Callback


class TerminateOnNaN(Callback):
    """Stop training when a NaN or infinite loss is encountered."""

    def on_batch_end(self, batch, logs=None):
        logs = logs or {}
        loss = logs.get("loss")
        if loss is not None:
            loss = np.asarray(loss)
            if np.isnan(loss) or np.isinf(loss):
                print_msg(f"Batch {batch}: Invalid loss, terminating training")
                self.model.stop_training = True
