"""Interpretability: saliency maps, and a test of whether they point at what the model uses.

The saliency of input pixel x_j for class c is |d s_c / d x_j|, with s_c the class's score (its logit,
before the softmax) (Simonyan, Vedaldi & Zisserman, 2014): how much a small change of that pixel would
move the score. The gradient comes from the same backward pass as training, started from a one-hot
dL/ds = e_c instead of the loss's gradient, and run on to the input: model.backward(e_c) returns ds_c/dx.

A saliency map is only worth its picture if it finds pixels the model relies on. The deletion check
(after Samek et al., 2017): set the k most salient pixels to zero and the class score should fall more
than when k random pixels are set to zero.

Backend-agnostic: the backend is read off the model; arrays in and out are NumPy.
"""

import numpy as np

from .. import backend_of
from ..train import predict


def class_scores(model, X, classes):
    """s_c for each input: the logit of its class. X: (N, ...), classes: (N,) ints -> (N,) NumPy."""
    logits = predict(model, X)
    return logits[np.arange(len(X)), np.asarray(classes)]


def input_gradient(model, X, classes):
    """d s_c / d x for each input, by backpropagation: forward X, then model.backward(one-hot at c).
    X: (N, ...) NumPy -> (N, ...) NumPy. The model is put in eval mode for the pass (so dropout and
    batch norm behave as at prediction) and its parameter gradients are cleared afterwards."""
    dl = backend_of(model)
    classes = np.asarray(classes)
    was_training = model.training
    model.eval()
    try:
        logits = model(dl.asarray(X))
        one_hot = np.zeros(tuple(logits.shape), dtype=np.float32)
        one_hot[np.arange(len(X)), classes] = 1.0              # dL/ds = e_c: "L" is the score s_c itself
        grad_input = dl.to_numpy(model.backward(dl.asarray(one_hot)))
    finally:
        model.zero_grad()
        model.train(was_training)
    return np.array(grad_input)


def saliency(model, X, classes):
    """|d s_c / d x|, the largest over the channels: X (N, C, H, W) -> (N, H, W); X (N, D) -> (N, D)."""
    magnitude = np.abs(input_gradient(model, X, classes))
    return magnitude.max(axis=1) if magnitude.ndim == 4 else magnitude


def delete_pixels(X, order, k, fill=0.0):
    """A copy of X with, in each image, the first k pixels of its `order` set to `fill` in every channel.
    X: (N, C, H, W) or (N, D); order: (N, H*W) or (N, D) flat pixel indices, most important first."""
    X = np.array(X, copy=True)
    flat = X.reshape(len(X), X.shape[1], -1) if X.ndim == 4 else X.reshape(len(X), 1, -1)
    rows = np.arange(len(X))[:, None]
    flat[rows, :, order[:, :k]] = fill                          # (N, k) pixels, all channels
    return flat.reshape(X.shape)


def salient_first(saliency_maps):
    """Flat pixel indices of each map, most salient first: (N, H, W) or (N, D) -> (N, H*W)."""
    flat = saliency_maps.reshape(len(saliency_maps), -1)
    return np.argsort(-flat, axis=1, kind="stable")


def random_order(n_images, n_pixels, seed=0):
    """An independent random order of the pixels for each image: (n_images, n_pixels)."""
    rng = np.random.default_rng(seed)
    return np.argsort(rng.random((n_images, n_pixels)), axis=1)


def deletion_curves(model, X, classes, saliency_maps, ks, seed=0):
    """Mean class score s_c after deleting (zeroing) k pixels, for each k in ks, two ways:
    {'k': ks, 'salient': most salient first, 'random': random pixels; each (len(ks),)}, and
    'drop_salient', 'drop_random': the per-image drop s_c(X) - s_c(X with k pixels gone), (len(ks), N)."""
    classes = np.asarray(classes)
    orders = {"salient": salient_first(saliency_maps),
              "random": random_order(len(X), saliency_maps[0].size, seed)}
    original = class_scores(model, X, classes)
    curves = {"k": np.asarray(ks)}
    for name, order in orders.items():
        scores = np.array([class_scores(model, delete_pixels(X, order, k), classes) for k in ks])
        curves[name] = scores.mean(axis=1)
        curves[f"drop_{name}"] = original[None, :] - scores
    return curves
