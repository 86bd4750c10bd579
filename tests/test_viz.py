"""dlbook.viz: every public function draws what it is given, titled and labelled, on matplotlib's object API;
show_source shows the package's real source as the chapters render it."""

import ast
import html
import inspect
import re
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pytest
from IPython.display import Markdown
from markdown_it import MarkdownIt
from matplotlib.figure import Figure

from dlbook import data, viz
from dlbook.autograd import Value, graph

# ---------------------------------------------------------------- figures: figure, loss_curves, decision_boundary


def test_figure_gives_a_figure_and_its_grid_of_axes_without_touching_pyplot():
    open_before = plt.get_fignums()
    fig, axes = viz.figure(ncols=3, nrows=2, size=(5.0, 2.5))
    assert isinstance(fig, Figure) and axes.shape == (2, 3)
    assert tuple(fig.get_size_inches()) == (5.0, 2.5)
    assert plt.get_fignums() == open_before                   # no pyplot state: nothing left open


CURVES = {"train": [2.0, 1.2, 0.7, 0.5], "validation": [2.1, 1.5, 1.1, 1.0]}


def test_loss_curves_draw_one_line_per_curve_with_its_values_against_epochs_from_one():
    axes = viz.loss_curves(CURVES).axes[0]
    assert [line.get_label() for line in axes.get_lines()] == list(CURVES)
    for line, values in zip(axes.get_lines(), CURVES.values(), strict=True):
        np.testing.assert_array_equal(line.get_xdata(), [1, 2, 3, 4])
        np.testing.assert_array_equal(line.get_ydata(), values)
    assert [text.get_text() for text in axes.get_legend().get_texts()] == list(CURVES)


def test_loss_curves_are_titled_and_labelled_loss_against_epoch_by_default():
    axes = viz.loss_curves(CURVES).axes[0]
    assert (axes.get_title(), axes.get_xlabel(), axes.get_ylabel()) == ("loss during training", "epoch", "loss")
    assert axes.get_yscale() == "linear"


def test_loss_curves_take_a_title_axis_labels_and_a_log_scale():
    axes = viz.loss_curves(CURVES, title="MLP on digits", xlabel="step", ylabel="cross-entropy (nats)",
                           logy=True).axes[0]
    assert (axes.get_title(), axes.get_xlabel(), axes.get_ylabel()) == ("MLP on digits", "step",
                                                                       "cross-entropy (nats)")
    assert axes.get_yscale() == "log"


POINTS = np.array([[-2.0, -1.0], [3.0, 0.5], [0.5, 4.0], [1.0, 1.0]], dtype=np.float32)
CLASSES = np.array([0, 1, 0, 1])                                         # as right_of_half predicts them


def right_of_half(points):
    """A classifier for the tests: class 1 where x1 > 0.5."""
    return (points[:, 0] > 0.5).astype(np.int64)


def contour_and_points(fig):
    filled, points = fig.axes[0].collections
    return filled, points


def test_decision_boundary_is_titled_and_labels_both_input_axes():
    axes = viz.decision_boundary(right_of_half, POINTS, CLASSES, title="one neuron").axes[0]
    assert (axes.get_title(), axes.get_xlabel(), axes.get_ylabel()) == ("one neuron", "x1", "x2")
    assert viz.decision_boundary(right_of_half, POINTS, CLASSES).axes[0].get_title() == "decision boundary"


def test_decision_boundary_plots_the_points_given_coloured_by_their_class():
    _, points = contour_and_points(viz.decision_boundary(right_of_half, POINTS, CLASSES))
    np.testing.assert_array_equal(points.get_offsets(), POINTS)
    np.testing.assert_array_equal(points.get_array(), CLASSES)


def test_decision_boundary_asks_for_predictions_on_a_grid_over_the_points_plus_padding():
    asked = []
    viz.decision_boundary(lambda grid: asked.append(grid) or right_of_half(grid), POINTS, CLASSES,
                          resolution=30, padding=0.5)
    (grid,) = asked
    assert grid.shape == (30 * 30, 2) and grid.dtype == np.float32
    np.testing.assert_allclose(grid.min(axis=0), POINTS.min(axis=0) - 0.5)
    np.testing.assert_allclose(grid.max(axis=0), POINTS.max(axis=0) + 0.5)


def test_decision_boundary_fills_the_whole_range_of_the_points_plus_padding():
    filled, _ = contour_and_points(viz.decision_boundary(right_of_half, POINTS, CLASSES, padding=0.5))
    extents = [path.get_extents() for path in filled.get_paths() if len(path.vertices)]
    covered_min = np.min([extent.min for extent in extents], axis=0)
    covered_max = np.max([extent.max for extent in extents], axis=0)
    np.testing.assert_allclose(covered_min, POINTS.min(axis=0) - 0.5)
    np.testing.assert_allclose(covered_max, POINTS.max(axis=0) + 0.5)


def test_decision_boundary_fills_one_band_per_class_on_its_side_of_the_boundary():
    resolution = 101
    filled, _ = contour_and_points(viz.decision_boundary(right_of_half, POINTS, CLASSES, resolution=resolution))
    np.testing.assert_array_equal(filled.levels, [-0.5, 0.5, 1.5])           # class c: the band c +- 1/2
    class_0, class_1 = (path.get_extents() for path in filled.get_paths())
    grid_step = float(np.ptp(POINTS[:, 0]) + 2 * 0.5) / (resolution - 1)          # default padding 0.5
    assert class_0.x1 == pytest.approx(0.5, abs=grid_step) and class_1.x0 == pytest.approx(0.5, abs=grid_step)
    assert class_0.x0 < 0 < 1 < class_1.x1


def test_decision_boundary_colours_a_region_and_a_point_of_one_class_alike():
    filled, points = contour_and_points(viz.decision_boundary(right_of_half, POINTS, CLASSES))
    assert (filled.norm.vmin, filled.norm.vmax) == (points.norm.vmin, points.norm.vmax) == (0, 1)
    assert filled.get_cmap().name == points.get_cmap().name


# ---------------------------------------------------------------- graphs: graph_figure, layered_layout


def small_graph():
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c = a * b
    c.label = "c"
    loss = (c + a).tanh()
    loss.label = "L"
    return loss


def test_graph_figure_draws_every_node_as_a_box_and_every_edge_as_an_arrow():
    loss = small_graph()
    loss.backward()
    nodes, edges = graph(loss)
    axes = viz.graph_figure(loss).axes[0]
    assert len(axes.patches) == len(nodes)
    assert len(axes.texts) == len(nodes) + len(edges)          # node texts and arrow annotations


def test_graph_figure_is_titled():
    assert viz.graph_figure(small_graph()).axes[0].get_title() == "computational graph"
    assert viz.graph_figure(small_graph(), title="L = tanh(a b + a)").axes[0].get_title() == "L = tanh(a b + a)"


def test_a_graph_node_shows_its_name_op_value_and_gradient():
    loss = small_graph()
    loss.backward()
    texts = [text.get_text() for text in viz.graph_figure(loss).axes[0].texts]
    assert f"c (*)\ndata -6.000\ngrad {loss.parents[0].parents[0].grad:.3f}" in texts
    assert "a\ndata 2.000\ngrad " + f"{loss.parents[0].parents[1].grad:.3f}" in texts


def test_unknown_graph_values_are_shown_as_question_marks():
    loss = small_graph()
    n = len(graph(loss)[0])
    texts = [text.get_text() for text in viz.graph_figure(loss, data=[np.nan] * n, grad=[np.nan] * n).axes[0].texts]
    assert "L (tanh)\ndata ?\ngrad ?" in texts


def test_graph_figure_marks_the_current_node_in_red():
    loss = small_graph()
    axes = viz.graph_figure(loss, current=len(graph(loss)[0]) - 1).axes[0]
    red = [patch for patch in axes.patches if patch.get_edgecolor()[:3] == pytest.approx((0.839, 0.153, 0.157),
                                                                                          abs=1e-3)]
    assert len(red) == 1 and red[0] is axes.patches[-1]                # the root, drawn last


def test_the_layout_puts_the_root_last_and_each_node_left_of_its_consumers():
    nodes, edges = graph(small_graph())
    position, routes = viz.layered_layout(len(nodes), edges)
    assert position[-1, 0] == position[:, 0].max()
    assert all(position[parent, 0] < position[child, 0] for parent, child in edges)
    waypoints = [tuple(point) for route in routes for point in route[1:-1]]
    columns = {}
    for x, y in [tuple(point) for point in position] + waypoints:   # no two nodes or waypoints on one spot
        assert y not in columns.setdefault(x, set())
        columns[x].add(y)


def test_an_edge_that_skips_a_column_runs_through_one_waypoint_per_skipped_column():
    nodes, edges = graph(small_graph())                            # a feeds c = a * b and c + a
    _, routes = viz.layered_layout(len(nodes), edges)
    a_index, sum_index = next(i for i, n in enumerate(nodes) if n.label == "a"), len(nodes) - 2
    route = routes[edges.index((a_index, sum_index))]
    assert len(route) == 3 and np.all(np.diff(route[:, 0]) == 1)


# ---------------------------------------------------------------- images: filters_figure, feature_maps_figure


def images_of(fig):
    return [image for axes in fig.axes for image in axes.get_images()]


def panel_titles(fig):
    return [axes.get_title() for axes in fig.axes if axes.get_images()]


def test_filters_figure_draws_one_panel_per_output_channel_on_a_symmetric_scale():
    weight = np.random.default_rng(0).normal(size=(12, 3, 3, 3))
    fig = viz.filters_figure(weight, in_channel=1, title="conv1")
    images = images_of(fig)
    assert isinstance(fig, Figure) and len(images) == 12
    np.testing.assert_array_equal(images[5].get_array(), weight[5, 1])
    assert images[0].get_clim() == (-np.abs(weight[:, 1]).max(), np.abs(weight[:, 1]).max())


def test_filters_figure_is_titled_names_each_filter_and_labels_its_colour_bar():
    fig = viz.filters_figure(np.random.default_rng(0).normal(size=(4, 1, 3, 3)), title="conv1")
    assert fig.get_suptitle() == "conv1"
    assert panel_titles(fig) == ["filter 0", "filter 1", "filter 2", "filter 3"]
    assert fig.axes[-1].get_ylabel() == "weight"                          # the colour bar, labelled
    assert viz.filters_figure(np.ones((2, 1, 3, 3))).get_suptitle() == "learned filters"


def test_feature_maps_figure_shows_the_input_first_then_one_panel_per_map():
    maps = np.random.default_rng(1).random((5, 4, 4))
    fig = viz.feature_maps_figure(maps, image=np.eye(8), ncols=3)
    images = images_of(fig)
    assert len(images) == 6 and images[0].get_array().shape == (8, 8)
    np.testing.assert_array_equal(images[-1].get_array(), maps[-1])
    assert panel_titles(fig) == ["input", "map 0", "map 1", "map 2", "map 3", "map 4"]
    assert fig.get_suptitle() == "feature maps"
    assert fig.axes[-1].get_ylabel() == "activation"                      # the colour bar, labelled


def test_feature_maps_without_negative_values_run_white_to_red_from_zero():
    maps = np.random.default_rng(2).random((3, 4, 4))
    images = images_of(viz.feature_maps_figure(maps, title="after ReLU"))
    assert all(image.get_cmap().name == "Reds" and image.get_clim() == (0, maps.max()) for image in images)
    signed = images_of(viz.feature_maps_figure(maps - 0.5))
    assert all(image.get_cmap().name == "RdBu_r" for image in signed)


# ---------------------------------------------------------------- source: show_source


def source_lines(function):
    """The lines of `function` as its module's file holds them, found by the parser (not by inspect)."""
    path = Path(inspect.getsourcefile(function))
    tree = ast.parse(path.read_text())
    node = next(node for node in ast.walk(tree) if isinstance(node, (ast.FunctionDef, ast.ClassDef))
                and node.name == function.__name__)
    return path.read_text().splitlines()[node.lineno - 1:node.end_lineno]


def code_blocks(markdown):
    """The code blocks of a Markdown text as CommonMark renders them (myst-nb parses Markdown outputs so):
    (language, code) for each."""
    rendered = MarkdownIt("commonmark").render(markdown)
    return [(language, html.unescape(code)) for language, code in
            re.findall(r'<pre><code class="language-(\w+)">(.*?)</code></pre>', rendered, flags=re.S)]


def test_show_source_is_markdown_naming_where_the_function_lives():
    shown = viz.show_source(data.batches)
    assert isinstance(shown, Markdown)
    assert shown._repr_markdown_().startswith("*From `dlbook.data.minibatches.batches`:*")


def test_show_source_shows_the_functions_real_source_as_one_python_block():
    (language, code), = code_blocks(viz.show_source(data.batches).data)
    assert language == "python"
    assert code.splitlines() == source_lines(data.batches)
    assert code.startswith("def batches(X, Y=None, batch_size=32, shuffle=True, seed=None, drop_last=False):\n")
    assert inspect.getdoc(data.batches).splitlines()[0] in code                  # with its docstring


def test_show_source_of_a_method_is_dedented_and_named_by_class():
    shown = viz.show_source(Value.tanh)
    (_, code), = code_blocks(shown.data)
    assert code.startswith("def tanh(self")
    assert code.splitlines() == [line[4:] for line in source_lines(Value.tanh)]
    assert "*From `dlbook.autograd.Value.tanh`:*" in shown.data


def test_show_source_of_a_class_shows_the_whole_class():
    (_, code), = code_blocks(viz.show_source(data.TrainTestSplit).data)
    assert code.splitlines() == source_lines(data.TrainTestSplit)
    assert code.startswith("class TrainTestSplit(NamedTuple):")


def markdown_with_code():
    """Source that writes Markdown itself, its fences at the start of a line (as a code block's fence must be)."""
    return """A code block:
```python
x = 1
```
"""


def test_show_source_keeps_a_code_fence_inside_the_source_in_its_block():
    (_, code), = code_blocks(viz.show_source(markdown_with_code).data)
    assert code.splitlines() == source_lines(markdown_with_code)


# ---------------------------------------------------------------- every public function is run here


def test_every_public_viz_function_is_called_in_this_file():
    called = set(re.findall(r"viz\.(\w+)\(", Path(__file__).read_text()))
    assert set(viz.__all__) <= called
