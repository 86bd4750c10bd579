"""dlbook.viz.graph_figure: a computational graph drawn in layers, with values and gradients."""

import numpy as np

from dlbook.autograd import Value, graph
from dlbook.viz import graph_figure, layered_layout


def small_graph():
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c = a * b
    c.label = "c"
    loss = (c + a).tanh()
    loss.label = "L"
    return loss


def test_every_node_is_a_box_and_every_edge_an_arrow():
    loss = small_graph()
    loss.backward()
    nodes, edges = graph(loss)
    axes = graph_figure(loss).axes[0]
    assert len(axes.patches) == len(nodes)
    assert len(axes.texts) == len(nodes) + len(edges)          # node texts and arrow annotations


def test_a_node_shows_its_name_op_value_and_gradient():
    loss = small_graph()
    loss.backward()
    texts = [text.get_text() for text in graph_figure(loss).axes[0].texts]
    assert f"c (*)\ndata -6.000\ngrad {loss.parents[0].parents[0].grad:.3f}" in texts
    assert "a\ndata 2.000\ngrad " + f"{loss.parents[0].parents[1].grad:.3f}" in texts


def test_unknown_values_are_shown_as_question_marks():
    loss = small_graph()
    n = len(graph(loss)[0])
    texts = [text.get_text() for text in graph_figure(loss, data=[np.nan] * n, grad=[np.nan] * n).axes[0].texts]
    assert "L (tanh)\ndata ?\ngrad ?" in texts


def test_the_layout_puts_the_root_last_and_each_node_left_of_its_consumers():
    nodes, edges = graph(small_graph())
    position, routes = layered_layout(len(nodes), edges)
    assert position[-1, 0] == position[:, 0].max()
    assert all(position[parent, 0] < position[child, 0] for parent, child in edges)
    waypoints = [tuple(point) for route in routes for point in route[1:-1]]
    columns = {}
    for x, y in [tuple(point) for point in position] + waypoints:   # no two nodes or waypoints on one spot
        assert y not in columns.setdefault(x, set())
        columns[x].add(y)


def test_an_edge_that_skips_a_column_runs_through_one_waypoint_per_skipped_column():
    nodes, edges = graph(small_graph())                            # a feeds c = a * b and c + a
    _, routes = layered_layout(len(nodes), edges)
    a_index, sum_index = next(i for i, n in enumerate(nodes) if n.label == "a"), len(nodes) - 2
    route = routes[edges.index((a_index, sum_index))]
    assert len(route) == 3 and np.all(np.diff(route[:, 0]) == 1)
