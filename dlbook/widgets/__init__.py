"""Explorers: sliders that move a picture, live in JupyterLab and static in the built book.

The only package of dlbook that imports ipywidgets (lazily, in Explorer.live)."""

from .activations import ActivationExplorer
from .backprop import BackpropExplorer
from .explorer import Explorer
from .learning_rate import LRExplorer

__all__ = ["Explorer", "LRExplorer"]
__all__ += ["ActivationExplorer"]
__all__ += ["BackpropExplorer"]
