"""Advanced activation layers (Keras 2's ``keras.layers.advanced_activations``).

One layer per module: ``LeakyReLU, PReLU, ELU, ReLU, ThresholdedReLU, Softmax``. All are
built from :mod:`kviz.ops`, so they differentiate inside a gradient tape and work on symbolic
tensors.
"""

from kviz.layers.advanced_activations.elu import ELU
from kviz.layers.advanced_activations.leaky_relu import LeakyReLU
from kviz.layers.advanced_activations.prelu import PReLU
from kviz.layers.advanced_activations.relu import ReLU
from kviz.layers.advanced_activations.softmax import Softmax
from kviz.layers.advanced_activations.thresholded_relu import ThresholdedReLU

__all__ = ["ELU", "LeakyReLU", "PReLU", "ReLU", "Softmax", "ThresholdedReLU"]
