"""Embedding layers (Keras 2's ``keras.layers.embeddings``)."""

from kviz.layers.embeddings.embedding import Embedding

__all__ = ["Embedding"]
