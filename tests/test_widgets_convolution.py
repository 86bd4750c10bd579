"""The convolution explorer: its feature maps against plain loops, output sizes, the live widget and the
static HTML."""


import numpy as np
import pytest

from dlbook.widgets import ConvolutionExplorer
from dlbook.widgets.convolution import KERNELS, convolve, digit_image

GRID = ConvolutionExplorer.GRID
POINTS = [(kernel, stride, padding) for kernel in GRID["kernel"] for stride in GRID["stride"]
          for padding in GRID["padding"]]


def convolve_by_loops(image, kernel, stride, padding):
    """y_ij = sum_{u, v} w_uv x_{i s + u, j s + v} over the zero-padded image, one output pixel at a time."""
    padded = np.pad(image, padding)
    size = kernel.shape[0]
    out_size = (padded.shape[0] - size) // stride + 1
    out = np.zeros((out_size, out_size))
    for i in range(out_size):
        for j in range(out_size):
            for u in range(size):
                for v in range(size):
                    out[i, j] += kernel[u, v] * padded[i * stride + u, j * stride + v]
    return out


@pytest.mark.parametrize("kernel, stride, padding", POINTS)
def test_the_feature_map_equals_the_convolution_written_as_loops(kernel, stride, padding):
    result = ConvolutionExplorer().compute(kernel, stride, padding)
    expected = convolve_by_loops(digit_image(), KERNELS[kernel], stride, padding)
    np.testing.assert_allclose(result["feature_map"], expected, atol=1e-12)      # float64 throughout


@pytest.mark.parametrize("kernel, stride, padding", POINTS)
def test_the_output_shape_follows_floor_of_h_plus_2p_minus_k_over_s_plus_1(kernel, stride, padding):
    result = ConvolutionExplorer().compute(kernel, stride, padding)
    size = KERNELS[kernel].shape[0]
    expected = (8 + 2 * padding - size) // stride + 1
    assert result["output_shape"] == (expected, expected) == result["feature_map"].shape
    assert result["padded"].shape == (8 + 2 * padding, 8 + 2 * padding)


def test_the_identity_kernel_with_padding_one_returns_the_image():
    np.testing.assert_array_equal(convolve(digit_image(), KERNELS["identity"], padding=1), digit_image())


def test_blur_and_sharpen_keep_a_constant_image_and_edge_kernels_give_zero_inside():
    constant = np.full((8, 8), 0.5)
    for name in ("blur", "sharpen"):
        np.testing.assert_allclose(convolve(constant, KERNELS[name]), 0.5, atol=1e-12)   # weights sum to 1
    for name in ("edge-x", "edge-y"):
        np.testing.assert_allclose(convolve(constant, KERNELS[name]), 0.0, atol=1e-12)   # weights sum to 0


def test_edge_x_answers_a_vertical_edge_and_edge_y_a_horizontal_one():
    left_dark = np.zeros((8, 8))
    left_dark[:, 4:] = 1.0                                      # a vertical edge between columns 3 and 4
    assert np.abs(convolve(left_dark, KERNELS["edge-x"])).max() == 4
    assert np.abs(convolve(left_dark, KERNELS["edge-y"])).max() == 0
    assert np.abs(convolve(left_dark.T, KERNELS["edge-y"])).max() == 4


def test_the_input_is_an_eight_by_eight_digit_in_the_unit_range():
    image = digit_image()
    assert image.shape == (8, 8) and image.min() >= 0 and image.max() <= 1 and image.max() > 0.5


def test_render_draws_labelled_axes_and_prints_the_output_shape_in_the_title():
    figure = ConvolutionExplorer().figure(kernel="blur", stride=2, padding=2)
    assert "12x12" in figure.axes[0].get_title() and "4x4" in figure.axes[2].get_title()
    assert "-> 4x4" in figure._suptitle.get_text()
    for axes in figure.axes[:3]:
        assert axes.get_xlabel() and axes.get_ylabel() and axes.get_title()
