"""Plots and displays shared by the chapters: matplotlib's object API, labelled axes, no backend import.

Every function takes NumPy arrays (convert with dl.to_numpy) and returns a matplotlib Figure, or
an IPython display object for source code. One module per kind of picture; every public name is
also here, as dlbook.viz.<name>:
  figures   figure (an empty one, object API), loss_curves, decision_boundary
  graphs    graph_figure, a computational graph with values and gradients, and its layered_layout
  images    filters_figure, feature_maps_figure: images in a grid on one colour scale
  source    show_source, the package's real source as a code block
"""

from .figures import decision_boundary, figure, loss_curves
from .graphs import graph_figure, layered_layout
from .images import feature_maps_figure, filters_figure
from .source import show_source

__all__ = ["figure", "loss_curves", "decision_boundary", "graph_figure", "layered_layout", "filters_figure",
           "feature_maps_figure", "show_source"]
