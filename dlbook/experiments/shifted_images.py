"""Images moved by whole pixels, and how a classifier's accuracy holds up when they are.

A convolution slides the same kernel over every position, so a shifted input gives a shifted feature
map; pooling then forgets a little of where. A dense layer has one weight per pixel: shift the image
and every input lands on a different weight. `accuracy_under_shifts` measures the difference.

Backend-agnostic: NumPy arrays in and out; models go through dlbook.train.evaluate.
"""

from numbers import Integral

import numpy as np

ONE_PIXEL_SHIFTS = {"right": (1, 0), "left": (-1, 0), "down": (0, 1), "up": (0, -1)}    # name: (dx, dy)


def shift_images(X, dx, dy):
    """X moved dx pixels to the right and dy pixels down (negative: left, up), zeros shifted in.

    X: (..., H, W), e.g. (N, C, H, W) -> the same shape and dtype: out[..., i + dy, j + dx] = X[..., i, j]
    where both lie inside the image; pixels shifted out of the image are lost."""
    X = np.asarray(X)
    for name, value in (("dx", dx), ("dy", dy)):
        if isinstance(value, bool) or not isinstance(value, Integral):
            raise TypeError(f"shift_images: {name} must be a whole number of pixels, got {value!r}")
    if X.ndim < 2:
        raise ValueError(f"shift_images expects images of shape (..., H, W), got shape {X.shape}")
    height, width = X.shape[-2:]
    shifted = np.zeros_like(X)
    if abs(dy) >= height or abs(dx) >= width:
        return shifted
    target_rows, source_rows = _overlap(dy, height)
    target_cols, source_cols = _overlap(dx, width)
    shifted[..., target_rows, target_cols] = X[..., source_rows, source_cols]
    return shifted


def _overlap(shift, size):
    """(target slice, source slice) along one axis of `size` pixels moved by `shift`."""
    if shift >= 0:
        return slice(shift, size), slice(0, size - shift)
    return slice(0, size + shift), slice(-shift, size)


def accuracy_under_shifts(model, X, y, shifts=None, batch_size=512):
    """{'unshifted': accuracy on (X, y), name: accuracy on X shifted by (dx, dy), ...}.

    model: any dlbook model taking X: (N, C, H, W) (an MLP starts with Flatten); y: (N,) class labels;
    shifts: {name: (dx, dy)}, default ONE_PIXEL_SHIFTS (one pixel right, left, down and up)."""
    from ..train import evaluate

    shifts = ONE_PIXEL_SHIFTS if shifts is None else shifts
    loss_fn = _cross_entropy_of(model)
    accuracies = {"unshifted": evaluate(model, loss_fn, X, y, batch_size)["accuracy"]}
    for name, (dx, dy) in shifts.items():
        accuracies[name] = evaluate(model, loss_fn, shift_images(X, dx, dy), y, batch_size)["accuracy"]
    return accuracies


def mean_accuracy_drop(accuracies):
    """The unshifted accuracy minus the mean accuracy over the shifts (from accuracy_under_shifts)."""
    shifted = [value for name, value in accuracies.items() if name != "unshifted"]
    return accuracies["unshifted"] - float(np.mean(shifted))


def _cross_entropy_of(model):
    from .. import backend_of

    return backend_of(model).CrossEntropyLoss()


def shifts_figure(image, shifts=None, title="one digit, moved by one pixel"):
    """The image (H, W) and its shifted copies side by side, each panel titled with its shift."""
    from ..viz import figure

    shifts = ONE_PIXEL_SHIFTS if shifts is None else shifts
    fig, axes = figure(ncols=len(shifts) + 1, size=(1.5 * (len(shifts) + 1), 2.0))
    panels = {"unshifted": image, **{f"{name} (dx={dx}, dy={dy})": shift_images(image, dx, dy)
                                     for name, (dx, dy) in shifts.items()}}
    for ax, (label, panel) in zip(axes, panels.items()):
        ax.imshow(panel, cmap="gray_r", vmin=0, vmax=max(float(np.max(image)), 1e-12))
        ax.set_title(label, fontsize=8)
        ax.set_xticks([])
        ax.set_yticks([])
    fig.suptitle(title)
    return fig


def shift_accuracy_figure(accuracies_by_model, title="test accuracy on shifted images"):
    """Grouped bars: accuracies_by_model = {model name: accuracy_under_shifts(...)}, one group per shift."""
    from ..viz import figure

    fig, axes = figure(size=(6.4, 3.2))
    names = list(next(iter(accuracies_by_model.values())))
    width = 0.8 / len(accuracies_by_model)
    for k, (model_name, accuracies) in enumerate(accuracies_by_model.items()):
        positions = np.arange(len(names)) + (k - (len(accuracies_by_model) - 1) / 2) * width
        bars = axes.bar(positions, [100 * accuracies[name] for name in names], width, label=model_name)
        axes.bar_label(bars, fmt="%.0f", fontsize=7)
    axes.set_xticks(np.arange(len(names)), names)
    axes.set(title=title, xlabel="shift of every test image by one pixel", ylabel="accuracy (%)", ylim=(0, 109))
    axes.legend(loc="lower left", fontsize=8)
    return fig
