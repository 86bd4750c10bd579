"""Explorers: sliders that move a picture, live in JupyterLab and static in the built book.

The only package of dlbook that imports ipywidgets (lazily, in Explorer.live)."""

from .explorer import Explorer
from .learning_rate import LRExplorer

__all__ = ["Explorer", "LRExplorer"]
