"""Spatial resizing, padding and cropping ops (in progress)."""

__all__ = []
