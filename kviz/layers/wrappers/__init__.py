"""Layer wrappers (Keras 2's ``keras.layers.wrappers``): ``Wrapper``, ``TimeDistributed``,
``Bidirectional``."""

from kviz.layers.wrappers.bidirectional import Bidirectional
from kviz.layers.wrappers.time_distributed import TimeDistributed
from kviz.layers.wrappers.wrapper import Wrapper

__all__ = ["Wrapper", "TimeDistributed", "Bidirectional"]
