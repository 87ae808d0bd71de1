"""Keras 2's ``keras.preprocessing``: ``image``, ``sequence`` and ``text``."""

from kviz.preprocessing import image, sequence, text

__all__ = ["image", "sequence", "text"]
