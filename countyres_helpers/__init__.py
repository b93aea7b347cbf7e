"""Helpers for the countyres book: data layer, weights, indices and spatial statistics."""

__version__ = "0.1.0"
