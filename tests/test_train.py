"""fit / evaluate / History on both backends."""

import numpy as np
import pytest

from dlbook.data import load_digits, train_val_test_split
from dlbook.models import mlp
from dlbook.train import History, TrainingDivergedError, accuracy, evaluate, fit, predict


@pytest.fixture(scope="module")
def digits_split():
    X, y = load_digits()
    return train_val_test_split(X, y, seed=0)




def test_fit_trains_a_64_128_10_mlp_on_digits_to_95_percent_test_accuracy(dl, digits_split):
    model = mlp(dl, [64, 128, 10])
    loss_fn = dl.CrossEntropyLoss()
    history = fit(model, loss_fn, dl.Adam(model.parameters(), lr=2e-3), digits_split.X_train,
                  digits_split.Y_train, epochs=30, batch_size=64, progress=False,
                  validation_data=(digits_split.X_val, digits_split.Y_val))
    test = evaluate(model, loss_fn, digits_split.X_test, digits_split.Y_test)
    assert test["accuracy"] >= 0.95
    assert history.train_loss[-1] < history.train_loss[0] / 5


def test_history_records_one_value_per_epoch(dl, digits_split):
    model = mlp(dl, [64, 16, 10])
    history = fit(model, dl.CrossEntropyLoss(), dl.SGD(model.parameters(), lr=0.1), digits_split.X_train,
                  digits_split.Y_train, epochs=3, validation_data=(digits_split.X_val, digits_split.Y_val),
                  progress=False)
    assert isinstance(history, History) and history.epochs == 3
    for name in ("train_loss", "train_accuracy", "val_loss", "val_accuracy", "lr"):
        assert len(history[name]) == 3
    assert history.lr == [0.1, 0.1, 0.1]


def test_fit_gives_the_same_curves_on_both_backends(dl_np, dl_torch, digits_split):
    curves = []
    for dl in (dl_np, dl_torch):
        model = mlp(dl, [64, 32, 10])
        history = fit(model, dl.CrossEntropyLoss(), dl.Adam(model.parameters(), lr=1e-3),
                      digits_split.X_train, digits_split.Y_train, epochs=3, progress=False)
        curves.append(history.train_loss)
    # float32 on both; three epochs of summed rounding differences stay far below 1e-4
    np.testing.assert_allclose(curves[0], curves[1], rtol=1e-4)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # the overflow on the way to NaN is the point
def test_a_nan_loss_stops_fit_with_the_step_and_the_likely_cause(dl):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((64, 4)).astype(np.float32) * 1e3
    Y = rng.standard_normal((64, 1)).astype(np.float32) * 1e3
    model = mlp(dl, (4, 8, 1))
    with pytest.raises(TrainingDivergedError, match=r"epoch \d+, step \d+.*learning rate too large"):
        fit(model, dl.MSELoss(), dl.SGD(model.parameters(), lr=10.0), X, Y, epochs=50, batch_size=16,
            progress=False)


def test_clipping_keeps_the_same_too_large_learning_rate_finite(dl):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((64, 4)).astype(np.float32)
    Y = (X @ np.ones((4, 1), np.float32)) * 10
    model = dl.Sequential(dl.Linear(4, 1, seed=0))
    history = fit(model, dl.MSELoss(), dl.SGD(model.parameters(), lr=0.3), X, Y, epochs=20, batch_size=16,
                  clip_grad_norm=1.0, progress=False)
    assert np.isfinite(history.train_loss).all()


def test_early_stopping_stops_and_restores_the_best_weights(dl, digits_split):
    model = mlp(dl, [64, 64, 10])
    X, Y = digits_split.X_train[:100], digits_split.Y_train[:100]      # a tiny set overfits quickly
    history = fit(model, dl.CrossEntropyLoss(), dl.Adam(model.parameters(), lr=1e-2), X, Y, epochs=200,
                  validation_data=(digits_split.X_val, digits_split.Y_val), early_stopping_patience=3,
                  progress=False)
    assert history.stopped_early and history.epochs < 200
    restored = evaluate(model, dl.CrossEntropyLoss(), digits_split.X_val, digits_split.Y_val)["loss"]
    assert restored == pytest.approx(history.val_loss[history.best_epoch], rel=1e-5)


def test_predict_restores_training_mode_and_returns_numpy(dl):
    model = dl.Sequential(dl.Linear(3, 2, seed=0), dl.Dropout(0.5, seed=0))
    outputs = predict(model, np.ones((5, 3), np.float32))
    assert isinstance(outputs, np.ndarray) and outputs.shape == (5, 2)
    assert model.training and model[1].training


def test_accuracy_handles_classes_binary_and_regression():
    assert accuracy(np.array([[2.0, 1.0], [0.0, 3.0]]), np.array([0, 0])) == 0.5
    assert accuracy(np.array([[1.0], [-1.0]]), np.array([[1.0], [1.0]])) == 0.5
    assert accuracy(np.array([[0.3], [2.0]]), np.array([[0.25], [7.0]])) is None
