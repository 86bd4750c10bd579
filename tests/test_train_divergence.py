"""fit fails loudly: a step that breaks the weights, or divergence first seen on the validation data,
stops training with TrainingDivergedError naming the epoch, the step and the learning rate; a clipping
norm that would freeze or reverse learning is refused before training starts."""

import math

import numpy as np
import pytest

from dlbook.train import TrainingDivergedError, fit


def linear_regression_data(n=32, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 4)).astype(np.float32)
    return X, (X @ np.ones((4, 1), np.float32)).astype(np.float32)


def model_and_loss(dl):
    return dl.Sequential(dl.Linear(4, 8, seed=0), dl.Tanh(), dl.Linear(8, 1, seed=1)), dl.MSELoss()


def test_a_step_that_makes_the_weights_inf_stops_fit_even_when_its_loss_was_finite(dl):
    X, Y = linear_regression_data()
    Y = 1e3 * Y                                            # gradients of size ~1e3 ...
    model, loss_fn = model_and_loss(dl)
    optimizer = dl.SGD(model.parameters(), lr=1e38)        # ... times 1e38: beyond float32's 3.4e38, inf
    with pytest.raises(TrainingDivergedError, match=r"a weight became NaN or inf at epoch 0, step 0.*lr=1e\+38"):
        fit(model, loss_fn, optimizer, X, Y, epochs=1, batch_size=len(X), progress=False)


def test_divergence_first_seen_on_the_validation_data_is_a_training_divergence(dl):
    X, Y = linear_regression_data()
    X_val, Y_val = X[:8], np.full((8, 1), 1e30, np.float32)      # (y_hat - 1e30)^2 overflows float32: inf
    model, loss_fn = model_and_loss(dl)
    with pytest.raises(TrainingDivergedError, match=r"validation.*epoch 0, step 0"):
        fit(model, loss_fn, dl.SGD(model.parameters(), lr=1e-3), X, Y, epochs=1, batch_size=len(X),
            validation_data=(X_val, Y_val), progress=False)


def test_a_finite_run_still_returns_its_history(dl):
    X, Y = linear_regression_data()
    model, loss_fn = model_and_loss(dl)
    history = fit(model, loss_fn, dl.SGD(model.parameters(), lr=0.05), X, Y, epochs=3, batch_size=8,
                  validation_data=(X, Y), progress=False)
    assert history.epochs == 3 and all(math.isfinite(loss) for loss in history.val_loss)
    assert history.train_loss[-1] < history.train_loss[0]


@pytest.mark.parametrize("max_norm", [0, 0.0, -1.0, float("nan"), float("inf"), True, "1.0"])
def test_a_clipping_norm_that_would_freeze_or_reverse_learning_is_refused(dl, max_norm):
    X, Y = linear_regression_data()
    model, loss_fn = model_and_loss(dl)
    before = [dl.to_numpy(parameter.data).copy() for parameter in model.parameters()]
    with pytest.raises(ValueError, match="clip_grad_norm must be None or a finite number > 0"):
        fit(model, loss_fn, dl.SGD(model.parameters(), lr=0.1), X, Y, epochs=1, clip_grad_norm=max_norm,
            progress=False)
    for old, parameter in zip(before, model.parameters(), strict=True):     # refused before any step
        np.testing.assert_array_equal(old, dl.to_numpy(parameter.data))
