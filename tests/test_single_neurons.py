"""Single neurons: the best threshold unit on XOR, and one sigmoid neuron under MSE and cross-entropy."""

import numpy as np
import pytest

from dlbook.data import xor_table
from dlbook.experiments.single_neurons import best_threshold_accuracy, train_sigmoid_neuron


def test_no_threshold_unit_gets_more_than_three_of_the_four_xor_points():
    X, y = xor_table()
    assert best_threshold_accuracy(X, y) == 0.75


@pytest.mark.parametrize("labels", [[0, 0, 0, 1], [0, 1, 1, 1], [1, 1, 0, 0], [1, 0, 1, 0]],
                         ids=["and", "or", "not x1", "not x2"])
def test_linearly_separable_truth_tables_are_fitted_exactly(labels):
    X, _ = xor_table()
    assert best_threshold_accuracy(X, np.array(labels)) == 1.0


def test_points_on_one_spot_with_two_labels_cannot_be_cut_apart():
    X = np.array([[1.0, 1.0], [1.0, 1.0], [0.0, 0.0]])
    assert best_threshold_accuracy(X, np.array([0, 1, 0])) == pytest.approx(2 / 3)


def test_best_threshold_accuracy_refuses_points_that_are_not_in_the_plane():
    with pytest.raises(ValueError, match=r"\(N, 2\)"):
        best_threshold_accuracy(np.zeros((4, 3)), np.zeros(4))


def test_the_neuron_starts_at_sigmoid_of_w_x_plus_b_under_both_losses(dl):
    for loss in ("mse", "cross_entropy"):
        run = train_sigmoid_neuron(dl, loss, w=2.0, b=2.0, x=1.0, n_steps=3)
        assert run["output"][0] == pytest.approx(1 / (1 + np.exp(-4.0)), rel=1e-6)
        assert run["output"].shape == (4,) and run["loss"].shape == (3,)


def test_cross_entropy_moves_a_saturated_neuron_far_sooner_than_mse(dl):
    steps = {loss: int(np.argmax(train_sigmoid_neuron(dl, loss)["output"] < 0.5)) for loss in ("mse", "cross_entropy")}
    assert 0 < 5 * steps["cross_entropy"] < steps["mse"], steps


def test_the_first_step_follows_each_losss_gradient(dl):
    a = 1 / (1 + np.exp(-4.0))
    for loss, grad_z in (("mse", 2 * a * a * (1 - a)), ("cross_entropy", a)):    # dL/dz at t = 0
        z_after = 4.0 - 2 * 0.15 * grad_z             # x = 1: w and b each move by lr dL/dz, so z by twice that
        a_after = train_sigmoid_neuron(dl, loss, n_steps=1)["output"][1]
        assert a_after == pytest.approx(1 / (1 + np.exp(-z_after)), rel=1e-5)


def test_an_unknown_loss_is_refused(dl):
    with pytest.raises(ValueError, match="loss must be one of"):
        train_sigmoid_neuron(dl, "hinge")
