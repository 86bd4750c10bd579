"""Images in a grid on one colour scale: a convolution's filters, a layer's feature maps."""

import numpy as np
from matplotlib.figure import Figure


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
