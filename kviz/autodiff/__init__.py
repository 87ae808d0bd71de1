"""Autodiff: eager Tensors and Variables, the gradient tape, and the backward walk."""

from kviz.autodiff.backward import gradients
from kviz.autodiff.tensor import GradientTape, Tensor, Variable, is_tensor, recording, unwrap

__all__ = ["GradientTape", "Tensor", "Variable", "gradients", "is_tensor", "recording", "unwrap"]
