"""filters_figure and feature_maps_figure: one panel per filter or map, on one colour scale."""

import numpy as np
from matplotlib.figure import Figure

from dlbook.viz import feature_maps_figure, filters_figure


def _images_of(figure):
    return [image for axes in figure.axes for image in axes.get_images()]


def test_filters_figure_draws_one_panel_per_output_channel_on_a_symmetric_scale():
    weight = np.random.default_rng(0).normal(size=(12, 3, 3, 3))
    figure = filters_figure(weight, in_channel=1, title="conv1")
    images = _images_of(figure)
    assert isinstance(figure, Figure) and len(images) == 12
    np.testing.assert_array_equal(images[5].get_array(), weight[5, 1])
    assert images[0].get_clim() == (-np.abs(weight[:, 1]).max(), np.abs(weight[:, 1]).max())
    assert figure._suptitle.get_text() == "conv1"


def test_feature_maps_figure_shows_the_input_first_then_one_panel_per_map():
    maps = np.random.default_rng(1).random((5, 4, 4))
    figure = feature_maps_figure(maps, image=np.eye(8), ncols=3)
    images = _images_of(figure)
    assert len(images) == 6 and images[0].get_array().shape == (8, 8)
    np.testing.assert_array_equal(images[-1].get_array(), maps[-1])
    assert figure.axes[-1].get_ylabel() == "activation"                   # the colour bar, labelled
