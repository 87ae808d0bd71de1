"""Pooling ops (in progress)."""

__all__ = []
