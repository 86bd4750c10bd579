"""Computational graphs of dlbook.autograd.Value: drawn in layers by depth, with values and gradients."""

import numpy as np
from matplotlib.figure import Figure


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
    position, routes = layered_layout(len(nodes), edges)
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


def layered_layout(n_nodes, edges):
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
