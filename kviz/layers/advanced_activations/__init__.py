"""advanced_activations layers (filled in by their modules)."""

__all__ = []
