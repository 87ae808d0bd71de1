"""Noise layers (Keras 2's ``keras.layers.noise``): regularizers that act only in training.

One layer per module: ``GaussianNoise, GaussianDropout, AlphaDropout``. Each draws from its
own generator when given a ``seed``, otherwise from kviz's global one (``kviz.config.rng()``,
reseeded by ``set_random_seed``).
"""

from kviz.layers.noise.alpha_dropout import AlphaDropout
from kviz.layers.noise.gaussian_dropout import GaussianDropout
from kviz.layers.noise.gaussian_noise import GaussianNoise

__all__ = ["AlphaDropout", "GaussianDropout", "GaussianNoise"]
