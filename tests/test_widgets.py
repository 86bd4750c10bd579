"""Explorers: compute functions, the live widget and the static HTML layer."""

import base64
import json
import re

import numpy as np
import pytest

import dlbook.widgets as widgets
from dlbook.widgets import LRExplorer
from dlbook.widgets.optimizers import HESSIAN, START, gradient_descent, learning_rates
from dlbook.widgets.static import static_html


def test_gradient_descent_on_the_quadratic_converges_below_two_over_the_curvature():
    for lr in (0.2, 0.3, 0.45):
        result = LRExplorer().compute(lr=lr, schedule="constant")
        assert result["loss"][-1] < 1e-3 * result["loss"][0] and not result["diverged"]


def test_a_learning_rate_above_two_over_the_curvature_diverges():
    result = LRExplorer().compute(lr=0.55, schedule="constant")
    assert result["diverged"] and result["loss"][-1] > 10 * result["loss"][0]


def test_a_decaying_schedule_rescues_a_learning_rate_that_starts_too_large():
    assert not LRExplorer().compute(lr=0.55, schedule="inverse time")["diverged"]


def test_every_schedule_starts_at_or_below_lr0_and_never_goes_negative():
    for schedule in LRExplorer.GRID["schedule"]:
        lrs = learning_rates(schedule, 0.3)
        assert lrs.max() <= 0.3 + 1e-12 and lrs.min() >= 0


def test_the_explorer_steps_the_reference_sgd_with_the_schedule_s_learning_rate_at_each_step():
    np.testing.assert_allclose(gradient_descent([0.5, 0.25], start=(2.0, 1.0)),
                               [[2.0, 1.0], [1.0, -1.0], [0.75, 0.0]])      # w - eta_t H w, H = diag(1, 4)
    lrs = learning_rates("cosine", 0.4)
    w = [np.array(START)]
    for eta in lrs:
        w.append(w[-1] - eta * HESSIAN @ w[-1])                               # the update rule of reference.SGD
    np.testing.assert_allclose(LRExplorer().compute(lr=0.4, schedule="cosine")["trajectory"], w, rtol=1e-5,
                               atol=1e-7)


def test_render_draws_labelled_axes():
    explorer = LRExplorer()
    figure = explorer.figure()
    for axes in figure.axes[:2]:
        assert axes.get_xlabel() and axes.get_ylabel() and axes.get_title()


def test_the_mimebundle_carries_widget_view_static_html_and_png():
    bundle = LRExplorer()._repr_mimebundle_()
    assert {"text/html", "image/png", "text/plain"} <= set(bundle)
    assert "application/vnd.jupyter.widget-view+json" in bundle


def test_an_unknown_slider_or_an_off_grid_value_is_refused():
    with pytest.raises(TypeError, match="no slider"):
        LRExplorer(momentum=0.9)
    with pytest.raises(ValueError, match="not on the grid"):
        LRExplorer(lr=0.123)


def test_static_html_refuses_more_than_a_megabyte_of_frames():
    with pytest.raises(ValueError, match="limit 1 MB"):
        static_html("big", {"x": list(range(20))}, lambda x: bytes(60_000))


# --- every explorer of dlbook.widgets: the static layer and the mimebundle --------------------------------

EXPLORERS = [getattr(widgets, name) for name in widgets.__all__ if name != "Explorer"]


@pytest.fixture(scope="module", params=EXPLORERS, ids=lambda cls: cls.__name__)
def explorer_html(request):
    explorer = request.param()
    return request.param, explorer.static_html()


@pytest.mark.parametrize("cls", EXPLORERS, ids=lambda cls: cls.__name__)
def test_moving_each_live_slider_redraws_the_image(cls):
    pytest.importorskip("ipywidgets")
    view = cls().live()
    for name, slider in view.sliders.items():
        before = view.image.value
        other = next(value for value in cls.GRID[name] if value != slider.value)
        slider.value = other
        assert view.image.value != before, name


def frames_of(html):
    return json.loads(re.search(r'<script type="application/json" class="dlbook-frames">(.*?)</script>',
                                html).group(1))


def test_every_explorer_embeds_one_distinct_png_frame_per_grid_point_under_one_megabyte(explorer_html):
    cls, html = explorer_html
    frames = frames_of(html)
    assert len(frames) == np.prod([len(values) for values in cls.GRID.values()])
    assert len(html) < 1_000_000
    assert all(base64.b64decode(frame)[:8] == b"\x89PNG\r\n\x1a\n" for frame in frames.values())
    assert len(set(frames.values())) == len(frames)
    assert not re.search(r"https?://", html)      # nothing fetched (base64 has no ":")
    assert "document.currentScript.closest('.dlbook-explorer')" in html


def test_every_explorer_module_leaves_torch_alone(explorer_html):
    import inspect

    source = inspect.getsource(inspect.getmodule(explorer_html[0]))
    assert not re.search(r"^\s*(import torch|from torch|import dlbook\.torch|from \.\.torch)", source, re.M)
