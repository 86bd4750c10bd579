"""dlbook.experiments.saliency: input gradients by backpropagation, saliency maps and the deletion check."""

import numpy as np
import pytest

import dlbook
import dlbook.data
import dlbook.train
from dlbook.experiments.saliency import (
    class_scores,
    delete_pixels,
    deletion_curves,
    input_gradient,
    random_order,
    saliency,
    salient_first,
)
from dlbook.models import digits_cnn


def test_input_gradient_matches_finite_differences_of_the_class_score(dl):
    dl.set_default_dtype(np.float64)                       # float64: central differences to 1e-6
    model = digits_cnn(dl, channels=(4,), hidden=None)
    X = np.random.default_rng(0).uniform(0, 1, (2, 1, 8, 8))
    classes = np.array([3, 7])
    grad = input_gradient(model, X, classes)
    eps, numeric = 1e-6, np.zeros_like(X)
    for index in np.ndindex(X.shape):
        plus, minus = X.copy(), X.copy()
        plus[index] += eps
        minus[index] -= eps
        change = class_scores(model, plus, classes) - class_scores(model, minus, classes)
        numeric[index] = change[index[0]] / (2 * eps)
    np.testing.assert_allclose(grad, numeric, atol=1e-6)


def test_both_backends_give_the_same_saliency_for_the_same_weights(dl_np, dl_torch):
    X = np.random.default_rng(1).uniform(0, 1, (5, 1, 8, 8)).astype(np.float32)
    classes = np.arange(5)
    maps = [saliency(digits_cnn(dl, channels=(4,), hidden=None), X, classes) for dl in (dl_np, dl_torch)]
    assert maps[0].shape == (5, 8, 8)
    np.testing.assert_allclose(maps[0], maps[1], rtol=1e-4, atol=1e-6)        # float32 on both


def test_input_gradient_leaves_no_parameter_gradient_and_keeps_the_mode(dl):
    model = digits_cnn(dl, channels=(4,), hidden=None)
    model.train()
    input_gradient(model, np.ones((1, 1, 8, 8), dtype=np.float32), [0])
    assert model.training
    assert all(p.grad is None or not np.asarray(dl.to_numpy(p.grad)).any() for p in model.parameters())


def test_saliency_of_flat_inputs_keeps_their_shape(dl):
    model = dl.Sequential(dl.Linear(6, 3, seed=0))
    X = np.ones((4, 6), dtype=np.float32)
    weight = dl.to_numpy(model[0].weight)
    np.testing.assert_allclose(saliency(model, X, [0, 1, 2, 0]), np.abs(weight[[0, 1, 2, 0]]), rtol=1e-6)


def test_delete_pixels_zeroes_exactly_the_first_k_of_each_order_in_every_channel():
    X = np.ones((2, 3, 2, 2))
    order = np.array([[3, 0, 1, 2], [1, 2, 0, 3]])
    out = delete_pixels(X, order, 2)
    assert (out[0, :, 1, 1] == 0).all() and (out[0, :, 0, 0] == 0).all() and out[0].sum() == 6
    assert (out[1, :, 0, 1] == 0).all() and (out[1, :, 1, 0] == 0).all() and out[1].sum() == 6
    assert X.sum() == 24                                    # the input is not modified


def test_orders_are_permutations():
    maps = np.random.default_rng(0).random((3, 4, 4))
    for order in (salient_first(maps), random_order(3, 16, seed=0)):
        assert (np.sort(order, axis=1) == np.arange(16)).all()
    assert (np.take_along_axis(maps.reshape(3, -1), salient_first(maps)[:, :1], 1) == maps.reshape(3, -1).max(1,
            keepdims=True)).all()


@pytest.fixture(scope="module")
def trained_digits_cnn():
    dl = dlbook.load("numpy")
    X, y = dlbook.data.load_digits(flatten=False)
    X_train, y_train, X_test, y_test = dlbook.data.train_test_split(X, y, test_fraction=0.2, seed=0)
    model = digits_cnn(dl, channels=(8, 16), hidden=None)          # the CNN of chapter 13
    dlbook.train.fit(model, dl.CrossEntropyLoss(), dl.Adam(model.parameters(), lr=3e-3), X_train, y_train,
                     epochs=6, batch_size=32, progress=False)
    return model, X_test, y_test


def test_deleting_salient_pixels_lowers_the_class_score_more_than_deleting_random_ones(trained_digits_cnn):
    model, X, y = trained_digits_cnn
    curves = deletion_curves(model, X, y, saliency(model, X, y), ks=[2, 4, 8], seed=0)
    assert (curves["salient"] < curves["random"]).all(), curves
    assert (curves["drop_salient"].mean(axis=1) > 1.5 * curves["drop_random"].mean(axis=1)).all()
