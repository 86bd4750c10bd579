"""Plots and displays shared by the chapters: matplotlib's object API, labelled axes, no backend import.

Every function takes NumPy arrays (convert with dl.to_numpy) and returns a matplotlib Figure, or
an IPython display object for source code.
"""

import inspect
import textwrap

import numpy as np
from matplotlib.figure import Figure


def show_source(obj):
    """The real source of a dlbook function, class or method, as a syntax-highlighted code block
    (IPython Markdown) - never a copy that could drift from the package."""
    from IPython.display import Markdown

    source = textwrap.dedent(inspect.getsource(obj))
    where = f"{inspect.getmodule(obj).__name__}.{getattr(obj, '__qualname__', getattr(obj, '__name__', ''))}"
    return Markdown(f"*From `{where}`:*\n\n```python\n{source}```")


def figure(ncols=1, nrows=1, size=(6.4, 3.6)):
    """A Figure and its axes (object API: nothing drawn on pyplot's global state)."""
    fig = Figure(figsize=size, layout="constrained")
    axes = fig.subplots(nrows, ncols)
    return fig, axes


def loss_curves(curves, title="loss during training", xlabel="epoch", ylabel="loss", logy=False):
    """One line per named curve: curves = {'train': [...], 'validation': [...]}."""
    fig, axes = figure()
    for name, values in curves.items():
        axes.plot(np.arange(1, len(values) + 1), values, label=name)
    if logy:
        axes.set_yscale("log")
    axes.set(title=title, xlabel=xlabel, ylabel=ylabel)
    axes.legend()
    return fig


def decision_boundary(predict, X, y, title="decision boundary", resolution=200, padding=0.5):
    """Predicted class over the plane with the points on top.

    predict: (M, 2) NumPy array -> (M,) class labels; X: (N, 2); y: (N,)."""
    x_min, y_min = X.min(axis=0) - padding
    x_max, y_max = X.max(axis=0) + padding
    grid_x, grid_y = np.meshgrid(np.linspace(x_min, x_max, resolution), np.linspace(y_min, y_max, resolution))
    labels = np.asarray(predict(np.c_[grid_x.ravel(), grid_y.ravel()].astype(np.float32))).reshape(grid_x.shape)
    fig, axes = figure(size=(4.8, 4.2))
    axes.contourf(grid_x, grid_y, labels, alpha=0.3, cmap="coolwarm")
    axes.scatter(X[:, 0], X[:, 1], c=y, cmap="coolwarm", s=12, edgecolors="k", linewidths=0.3)
    axes.set(title=title, xlabel="x1", ylabel="x2")
    return fig


def graph_figure(root, data=None, grad=None, current=None, title="computational graph", size=None, fontsize=8):
    """The computational graph of a dlbook.autograd.Value `root`, drawn in layers by depth: the root
    on the right, every other node one column left of its leftmost consumer, an arrow from each input
    to the node computed from it. A node shows its name (its label; its op, or "const", when unnamed), its op,
    its forward value `data` and its gradient `grad` = dL/d(node).

    data, grad: one number per node in the order of dlbook.autograd.graph(root) (topological), NaN
    where not known yet (shown as ?); default: the nodes' own .data and .grad. Known values fill the
    box (blue: data, orange: data and grad). current: the index of a node to mark in red, with the
    arrows into it (forward) or out of it (backward, when its grad is known). size: the figure's
    (width, height) in inches (default: from the number of columns and rows); fontsize: the nodes' text."""
    from matplotlib.patches import FancyBboxPatch

    from ..autograd import graph

    nodes, edges = graph(root)
    data = np.array([node.data for node in nodes] if data is None else data, dtype=float)
    grad = np.array([node.grad for node in nodes] if grad is None else grad, dtype=float)
    position, routes = _layered_layout(len(nodes), edges)
    rows = np.concatenate([position[:, 1]] + [route[:, 1] for route in routes])
    n_columns, n_rows = int(position[:, 0].max()) + 1, int(np.ptp(rows)) + 1
    fig = Figure(figsize=size or (max(4.5, 1.15 * n_columns), max(2.2, 0.75 * n_rows + 0.5)))
    axes = fig.add_axes((0.005, 0.01, 0.99, 0.89))
    axes.set_axis_off()
    axes.set_title(title, fontsize=fontsize + 2)
    half_width, half_height = 0.42, 0.38
    axes.set(xlim=(-0.5, n_columns - 0.5), ylim=(rows.min() - 0.5, rows.max() + 0.5))
    backward_step = current is not None and not np.isnan(grad[current])
    for number, ((parent, child), route) in enumerate(zip(edges, routes)):
        active = current is not None and (child == current if not backward_step else parent == current)
        color, line_width = ("tab:red", 1.6) if active else ("0.55", 0.8)
        start, end = route[0] + (half_width, 0), route[-1] - (half_width, 0)
        if len(route) > 2:                                  # an edge that skips columns: through its waypoints
            axes.plot(*np.vstack([start, route[1:-1]]).T, color=color, linewidth=line_width)
            start = route[-2]
        repeat = edges[:number].count((parent, child))      # x * x: bend the second arrow
        axes.annotate("", xy=end, xytext=start, arrowprops=dict(
            arrowstyle="-|>", color=color, lw=line_width, shrinkA=0, shrinkB=0,
            connectionstyle=f"arc3,rad={0.3 * repeat}"))
    for index, node in enumerate(nodes):
        if node.parents:                                    # an operation: "z (+)", or "+" when unnamed
            heading = f"{node.label} ({node.op})" if node.label else node.op
        else:                                               # a leaf: its name, or "const" for a number
            heading = node.label or "const"
        known_data, known_grad = not np.isnan(data[index]), not np.isnan(grad[index])
        fill = "#fdd9b5" if known_grad else ("#d4e6f7" if known_data else "white")
        edge_color, line_width = ("tab:red", 2.2) if index == current else ("0.3", 0.8)
        x, y = position[index]
        axes.add_patch(FancyBboxPatch((x - half_width, y - half_height), 2 * half_width, 2 * half_height,
                                      boxstyle="round,pad=0,rounding_size=0.08", facecolor=fill,
                                      edgecolor=edge_color, linewidth=line_width))
        text = f"{heading}\ndata {data[index]:.3f}" if known_data else f"{heading}\ndata ?"
        text += f"\ngrad {grad[index]:.3f}" if known_grad else "\ngrad ?"
        axes.text(x, y, text, ha="center", va="center", fontsize=fontsize, family="monospace")
    return fig


def _layered_layout(n_nodes, edges):
    """Positions for graph_figure: ((n_nodes, 2) (column, row) of each node, one (k, 2) route per edge
    from parent to child). The last node (the root) is in the last column, every other node one
    column left of its leftmost consumer. An edge that skips columns runs through one waypoint per
    skipped column, which takes a row there like a node (so no edge crosses a box). Rows spread each
    column's nodes and waypoints one apart around the mean row of their consumers, first inputs on top."""
    children = [[] for _ in range(n_nodes)]
    for parent, child in edges:
        children[parent].append(child)
    distance = [0] * n_nodes                                # columns from the root
    for node in reversed(range(n_nodes - 1)):               # reverse topological order: children first
        distance[node] = max(distance[child] for child in children[node]) + 1 if children[node] else 0
    inputs, consumers, chains = [[] for _ in range(n_nodes)], [[] for _ in range(n_nodes)], []
    for parent, child in edges:                             # nodes and waypoints, linked column to column
        chain = [child]
        for column in range(distance[child] + 1, distance[parent]):
            distance.append(column)
            inputs.append([])
            consumers.append([])
            chain.append(len(distance) - 1)
        chain.append(parent)
        for near, far in zip(chain, chain[1:]):
            inputs[near].append(far)
            consumers[far].append(near)
        chains.append(chain[::-1])
    row = np.zeros(len(distance))
    for column in range(1, max(distance) + 1):
        members = [node for node, d in enumerate(distance) if d == column]
        wanted = {node: np.mean([row[consumer] for consumer in consumers[node]]) for node in members}
        slot = {node: inputs[consumers[node][0]].index(node) for node in members}
        members.sort(key=lambda node: (wanted[node], -slot[node]))       # first input on top
        centre = np.mean(list(wanted.values()))
        for rank, node in enumerate(members):
            row[node] = centre + rank - (len(members) - 1) / 2
    points = np.stack([max(distance) - np.array(distance), row], axis=1).astype(float)
    return points[:n_nodes], [points[chain] for chain in chains]


def filters_figure(weight, in_channel=0, title="learned filters", ncols=8):
    """The kernels of a convolution, one panel per output channel: weight (C_out, C_in, kh, kw) from
    dl.to_numpy(conv.weight.data), each panel its (kh, kw) slice for `in_channel`. One colour scale
    for all (blue negative, red positive), so panels compare."""
    kernels = np.asarray(weight)[:, in_channel]
    return _image_grid(kernels, [f"filter {k}" for k in range(len(kernels))], title, "weight", ncols=ncols)


def feature_maps_figure(maps, image=None, title="feature maps", ncols=8):
    """The feature maps of one input, one panel per channel: maps (C, H, W), e.g. a layer's output
    for one image. image: (H_in, W_in), shown first in grey when given. One colour scale for all maps
    (white to red when none is negative, as after a ReLU)."""
    maps = np.asarray(maps)
    labels = [f"map {c}" for c in range(len(maps))]
    return _image_grid(maps, labels, title, "activation", ncols=ncols, image=image)


def _image_grid(images, labels, title, quantity, ncols=8, image=None):
    """Images (K, h, w) in a grid on one colour scale with a colour bar of `quantity`: diverging and symmetric
    around 0 (blue negative, red positive), or white to red when no value is negative (e.g. after a ReLU).
    An optional grey input image in the first panel. A fixed layout: constrained layout is slow for many panels."""
    panels = len(images) + (image is not None)
    nrows = -(-panels // ncols)
    width, height = 1.0 * ncols + 1.2, 1.05 * nrows + 0.6
    fig = Figure(figsize=(width, height))
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    fig.subplots_adjust(left=0.02, right=1 - 1.2 / width, bottom=0.03, top=1 - 0.55 / height, wspace=0.15,
                        hspace=0.35)
    limit = max(float(np.abs(images).max()), 1e-12)
    scale = dict(cmap="Reds", vmin=0, vmax=limit) if np.min(images) >= 0 else dict(cmap="RdBu_r", vmin=-limit,
                                                                                    vmax=limit)
    for ax in axes:
        ax.set_axis_off()
    if image is not None:
        axes[0].imshow(image, cmap="gray_r")
        axes[0].set_title("input", fontsize=8)
        axes = axes[1:]
    for ax, panel, label in zip(axes, images, labels):
        shown = ax.imshow(panel, **scale)
        ax.set_title(label, fontsize=8)
    colorbar_axes = fig.add_axes((1 - 0.95 / width, 0.1, 0.15 / width, 0.8 - 0.55 / height))
    fig.colorbar(shown, cax=colorbar_axes, label=quantity)
    fig.suptitle(title)
    return fig
