"""dlbook.experiments.regularization: the generalization gap, the digits overfitting runs, L2 / dropout / early
stopping, the deep sigmoid network with and without batch norm, and the moons classifier."""

import numpy as np
import pytest

import dlbook.data
import dlbook.train
from dlbook.experiments import regularization
from dlbook.models import mlp


@pytest.fixture(scope="module")
def split():
    return regularization.digits_split(n_train=150, n_val=400)


def test_the_gaps_are_train_minus_validation_accuracy_and_validation_minus_train_loss(dl_np, split):
    model = mlp(dl_np, (64, 16, 16, 10), seed=0)
    loss_fn = dl_np.CrossEntropyLoss()
    gap = regularization.generalization_gap(model, loss_fn, *split)
    train = dlbook.train.evaluate(model, loss_fn, split.X_train, split.y_train)
    val = dlbook.train.evaluate(model, loss_fn, split.X_val, split.y_val)
    assert gap["accuracy_gap"] == train["accuracy"] - val["accuracy"]
    assert gap["loss_gap"] == val["loss"] - train["loss"]


def test_the_gap_is_measured_in_eval_mode_so_dropout_does_not_change_it(dl_np, split):
    model = mlp(dl_np, (64, 16, 16, 10), dropout=0.5, seed=0)
    loss_fn = dl_np.CrossEntropyLoss()
    first = regularization.generalization_gap(model, loss_fn, split.X_train, split.y_train, *split[:2])
    second = regularization.generalization_gap(model, loss_fn, *split)
    assert first["accuracy_gap"] == 0 and first["loss_gap"] == 0       # the same data twice: no gap
    assert second == regularization.generalization_gap(model, loss_fn, *split)    # no random masks
    assert model.training                                               # and the mode is given back


def test_digits_split_draws_disjoint_reproducible_parts_of_the_requested_sizes():
    parts = regularization.digits_split(n_train=100, n_val=50, seed=3)
    assert parts.X_train.shape == (100, 64) and parts.X_val.shape == (50, 64)
    training_images = {row.tobytes() for row in parts.X_train}         # the 1797 digits are all distinct
    assert not any(row.tobytes() in training_images for row in parts.X_val)
    np.testing.assert_array_equal(parts.X_train, regularization.digits_split(100, 50, seed=3).X_train)
    with pytest.raises(ValueError, match="add up to at most"):
        regularization.digits_split(n_train=1500, n_val=400)






def test_a_regularized_run_gives_the_same_gap_on_both_backends(dl_np, dl_torch, split):
    numpy_run = regularization.train_regularized(dl_np, split, dropout=0.5, weight_decay=1e-2, epochs=8)
    torch_run = regularization.train_regularized(dl_torch, split, dropout=0.5, weight_decay=1e-2, epochs=8)
    for key, value in numpy_run.gap.items():
        assert abs(value - torch_run.gap[key]) < 1e-4, key                # float32 on both, different kernels


def test_weight_decay_shrinks_the_weights(dl_np, split):
    plain = regularization.train_regularized(dl_np, split, epochs=30)
    decayed = regularization.train_regularized(dl_np, split, epochs=30, weight_decay=3e-2)
    assert decayed.weight_norm < 0.8 * plain.weight_norm


def test_weight_norm_counts_weight_matrices_only(dl_np):
    model = mlp(dl_np, (2, 3, 1), batch_norm=True)
    for param in model.parameters():
        param.data[...] = 1.0
    assert regularization.weight_norm(model) == pytest.approx(np.sqrt(2 * 3 + 3 * 1))


def test_early_stopping_stops_patience_epochs_after_the_best_and_restores_it(dl_np, split):
    run = regularization.train_regularized(dl_np, split, early_stopping_patience=3, epochs=100)
    history = run.history
    assert history.stopped_early and history.epochs == history.best_epoch + 1 + 3
    assert run.gap["val_loss"] == pytest.approx(history.val_loss[history.best_epoch], rel=1e-5)


def test_compare_regularizers_runs_each_setting_once_per_seed_and_mean_gaps_averages(dl_np, split):
    results = regularization.compare_regularizers(dl_np, split, {"none": {}, "L2": {"weight_decay": 1e-2}},
                                                  seeds=(0, 1), epochs=3)
    assert list(results) == ["none", "L2"] and all(len(runs) == 2 for runs in results.values())
    summary = regularization.mean_gaps(results)
    expected = np.mean([run.gap["loss_gap"] for run in results["L2"]])
    assert summary["L2"]["loss_gap"] == pytest.approx(expected)
    assert summary["none"]["epochs"] == 3 and summary["none"]["weight_norm"] > 0


def test_each_remedy_shrinks_the_loss_gap_of_the_overfitting_digits_network(dl_np, split):
    settings = {"none": {}, "L2": {"weight_decay": 1e-2}, "dropout": {"dropout": 0.5},
                "early stopping": {"early_stopping_patience": 5}}
    summary = regularization.mean_gaps(regularization.compare_regularizers(dl_np, split, settings, seeds=(0,)))
    assert summary["none"]["train_accuracy"] == 1.0 and summary["none"]["loss_gap"] > 0.5
    for name in ("L2", "dropout", "early stopping"):                    # measured: 0.37, 0.56, 0.47 of it
        assert summary[name]["loss_gap"] < 0.7 * summary["none"]["loss_gap"], name


def test_batch_norm_lets_a_deep_sigmoid_network_learn_where_the_plain_one_is_stuck(dl_np):
    X, y = dlbook.data.load_digits()
    plain = regularization.deep_sigmoid_run(dl_np, X, y, batch_norm=False, epochs=3)
    normalized = regularization.deep_sigmoid_run(dl_np, X, y, batch_norm=True, epochs=3)
    assert plain.train_loss[-1] > 2.2                                    # ln 10 = 2.30: chance
    assert normalized.train_loss[-1] < 0.4 * plain.train_loss[-1]        # measured: 0.21 of it


def test_the_moons_classifier_is_deterministic_and_returned_in_eval_mode(dl_np):
    split = regularization.moons_split()
    first, first_gap = regularization.train_moons_classifier(dl_np, split, 16, dropout=0.3, n_steps=20)
    second, second_gap = regularization.train_moons_classifier(dl_np, split, 16, dropout=0.3, n_steps=20)
    assert not first.training and first_gap == second_gap
    np.testing.assert_array_equal(dlbook.train.predict(first, split.X_val), dlbook.train.predict(second, split.X_val))


def test_class_probability_is_the_softmax_of_the_second_logit(dl_np):
    model = mlp(dl_np, (2, 8, 2), seed=1)
    points = np.random.default_rng(0).normal(size=(50, 2)).astype(np.float32)
    logits = dlbook.train.predict(model, points).astype(np.float64)
    softmax = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(regularization.class_probability(model, points), softmax[:, 1], atol=1e-12)


def test_moons_split_draws_training_and_validation_sets_from_different_seeds():
    split = regularization.moons_split(n_train=40, n_val=400, seed=2)
    assert split.X_train.shape == (40, 2) and split.X_val.shape == (400, 2)
    assert not np.isin(split.X_train[:, 0], split.X_val[:, 0]).any()
