"""The convolution explorer: a named kernel, a stride and a padding -> the feature map of a digit.

The input is an 8x8 digit from scikit-learn's bundled set (the one the chapter's CNN learns),
zero-padded by p pixels on each side; the k x k kernel slides over it by s pixels at a time:

    y_ij = sum_{u, v} w_uv x_{i s + u, j s + v},      H_out = floor((H + 2p - k) / s) + 1 (W_out alike)

The feature map comes from the NumPy reference's own layer, dlbook.numpy.Conv2d (which never
imports torch), with the kernel loaded as its weight and no bias.
"""

from functools import cache

import numpy as np
from matplotlib.patches import Rectangle

from .. import numpy as reference
from .explorer import Explorer
from .reference_dtype import float64

DIGIT_INDEX = 4                         # a 4 in load_digits(): vertical strokes and a horizontal bar

KERNELS = {                             # name: the kernel w, as a NumPy array (kh, kw)
    "identity": np.array([[0, 0, 0], [0, 1, 0], [0, 0, 0]], dtype=np.float64),
    "edge-x": np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], dtype=np.float64),     # Sobel: d/dx, vertical edges
    "edge-y": np.array([[-1, -2, -1], [0, 0, 0], [1, 2, 1]], dtype=np.float64),     # Sobel: d/dy, horizontal edges
    "blur": np.outer([1, 4, 6, 4, 1], [1, 4, 6, 4, 1]) / 256.0,                    # 5x5 binomial (~Gaussian)
    "sharpen": np.array([[0, -1, 0], [-1, 5, -1], [0, -1, 0]], dtype=np.float64),   # identity + (minus) Laplacian
}


@cache
def digit_image():
    """The explorer's input: digit DIGIT_INDEX of dlbook.data.load_digits, float64 (8, 8) in [0, 1]
    (loaded once; do not modify it in place)."""
    from ..data import load_digits

    images, _ = load_digits(flatten=False)
    return images[DIGIT_INDEX, 0].astype(np.float64)


def convolve(image, kernel, stride=1, padding=0):
    """The feature map of one image under one kernel, by dlbook.numpy.Conv2d (no bias).

    image: (H, W), kernel: (kh, kw) -> (H_out, W_out) float64 NumPy array, computed in float64."""
    image, kernel = np.asarray(image, dtype=np.float64), np.asarray(kernel, dtype=np.float64)
    with float64():
        layer = reference.Conv2d(1, 1, kernel.shape, stride=stride, padding=padding, bias=False)
        layer.load_state_dict({"weight": kernel[None, None]})
        return layer(image[None, None])[0, 0]


class ConvolutionExplorer(Explorer):
    """Pick a kernel, a stride and a padding; see the padded digit, the kernel and the feature map."""

    TITLE = "Convolution: kernel, stride and padding"
    GRID = {
        "kernel": list(KERNELS),
        "stride": [1, 2],
        "padding": [0, 1, 2],
    }
    LABELS = {"kernel": "kernel w", "stride": "stride s", "padding": "padding p"}
    DEFAULTS = {"kernel": "edge-x", "stride": 1, "padding": 1}
    FIGSIZE = (7.2, 3.0)
    DPI = 88                # frames about as wide as the book's text column

    def compute(self, kernel, stride, padding):
        """{'padded': the input with its zero border (H + 2p, W + 2p); 'kernel': (k, k);
        'feature_map': (H_out, W_out); 'input_shape', 'output_shape': (height, width) tuples}."""
        image, weights = digit_image(), KERNELS[kernel]
        feature_map = convolve(image, weights, stride, padding)
        return {
            "padded": np.pad(image, padding), "kernel": weights, "feature_map": feature_map,
            "input_shape": image.shape, "output_shape": feature_map.shape,
        }

    def render(self, result, kernel, stride, padding):
        figure, (input_axes, kernel_axes, output_axes) = self.new_figure(ncols=3)
        figure.subplots_adjust(left=0.08, right=0.9, bottom=0.16, top=0.8, wspace=0.42)
        (height, width), (out_height, out_width) = result["input_shape"], result["output_shape"]
        size = result["kernel"].shape[0]
        figure.suptitle(f"{kernel} {size}x{size}, stride {stride}, padding {padding}: {height}x{width} -> "
                        f"{out_height}x{out_width}, as floor(({height} + 2*{padding} - {size}) / {stride}) + 1 = "
                        f"{out_height}", fontsize=10)
        padded = result["padded"]
        _show(input_axes, padded, cmap="gray_r", vmin=0, vmax=1)
        _outline(input_axes, (padding, padding), (height, width), "tab:blue", linestyle="--")    # the digit
        for j, color in ((0, "tab:red"), (1, "tab:orange")):                   # the windows of y_00 and y_01
            if j < out_width:
                _outline(input_axes, (0, j * stride), (size, size), color)
        input_axes.set(title=f"input, zero-padded ({padded.shape[0]}x{padded.shape[1]})",
                       xlabel="column (pixels)", ylabel="row (pixels)")
        weights = result["kernel"]
        largest = np.abs(weights).max()
        _show(kernel_axes, weights, cmap="RdBu_r", vmin=-largest, vmax=largest)
        if size <= 3:                                                          # the weights, readable on any shade
            for (u, v), weight in np.ndenumerate(weights):
                kernel_axes.text(v, u, f"{weight:g}", ha="center", va="center", fontsize=9,
                                 color="white" if abs(weight) > 0.6 * largest else "black")
        kernel_axes.set(title=f"kernel w ({size}x{size})", xlabel="v", ylabel="u")
        feature_map = result["feature_map"]
        limit = max(np.abs(feature_map).max(), 1e-12)
        image = _show(output_axes, feature_map, cmap="RdBu_r", vmin=-limit, vmax=limit)
        colorbar = figure.colorbar(image, ax=output_axes, fraction=0.05, pad=0.04, ticks=[-limit, 0, limit],
                                   format="%.2g")
        colorbar.set_label("y (input units)", fontsize=8)
        colorbar.ax.tick_params(labelsize=8)
        for j, color in ((0, "tab:red"), (1, "tab:orange")):                   # y_00 and y_01
            if j < out_width:
                _outline(output_axes, (0, j), (1, 1), color)
        output_axes.set(title=f"feature map y ({out_height}x{out_width})", xlabel="column j", ylabel="row i")
        for axes in (input_axes, kernel_axes, output_axes):
            axes.title.set_fontsize(10)
        return figure


def _show(axes, image, **style):
    """imshow with pixel (i, j) centred on (j, i); ticks on every pixel of a small image (the kernel), else on
    the first and the last (few tick labels: text is most of a frame's drawing time). Returns the image."""
    shown = axes.imshow(image, interpolation="nearest", **style)
    rows, columns = image.shape
    axes.set_xticks(range(columns) if columns <= 5 else [0, columns - 1])
    axes.set_yticks(range(rows) if rows <= 5 else [0, rows - 1])
    return shown


def _outline(axes, corner, shape, color, linestyle="-"):
    """A rectangle around the pixels from corner (row, column) over shape (rows, columns), drawn unclipped."""
    (row, column), (rows, columns) = corner, shape
    axes.add_patch(Rectangle((column - 0.5, row - 0.5), columns, rows, fill=False, edgecolor=color, linewidth=2,
                             linestyle=linestyle, clip_on=False))
