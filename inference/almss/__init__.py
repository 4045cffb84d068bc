"""ALMSS classifier, pure torch + numpy (no Django): preprocessing, networks, Grad-CAM, cut-offs,
training, evaluation and the bundle format (contract 6). See ``bundle.py`` for the entry point."""
from inference.almss.preprocess import PhaseInput

__all__ = ["PhaseInput"]
