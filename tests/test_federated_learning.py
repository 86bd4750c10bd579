"""dlbook.experiments.federated_learning: non-IID client splits, weighted averaging, FedSGD = full-batch gradient
descent, and FedAvg's fewer communication rounds to a target accuracy."""

import numpy as np
import pytest

import dlbook
import dlbook.data
from dlbook.experiments.federated_learning import (
    average_weights,
    federated_averaging,
    get_weights,
    rounds_to_reach,
    split_by_class,
    split_iid,
)


def labels(n_per_class=20, n_classes=10):
    y = np.repeat(np.arange(n_classes), n_per_class)
    return np.arange(len(y), dtype=np.float32)[:, None], y


def test_each_non_iid_client_holds_exactly_two_neighbouring_classes_and_every_sample_once():
    X, y = labels()
    clients = split_by_class(X, y, n_clients=10, seed=0)
    for k, (_, y_k) in enumerate(clients):
        assert set(y_k.tolist()) == {k, (k + 1) % 10}
    assert sorted(np.concatenate([X_k[:, 0] for X_k, _ in clients]).tolist()) == X[:, 0].tolist()


def test_split_by_class_refuses_labels_that_do_not_match_the_clients():
    X, y = labels(n_classes=5)
    with pytest.raises(ValueError, match="classes"):
        split_by_class(X, y, n_clients=10)


def test_iid_clients_get_near_equal_shares_of_everything():
    X, y = labels()
    clients = split_iid(X, y, n_clients=3, seed=0)
    assert sorted(len(X_k) for X_k, _ in clients) == [66, 67, 67]


def test_average_weights_weights_each_client_by_its_data():
    a, b = {"w": np.array([0.0, 4.0], dtype=np.float32)}, {"w": np.array([4.0, 0.0], dtype=np.float32)}
    averaged = average_weights([a, b], [3, 1])
    np.testing.assert_allclose(averaged["w"], [1.0, 3.0])
    assert averaged["w"].dtype == np.float32


def test_fedsgd_is_one_step_of_full_batch_gradient_descent(dl):
    dl.set_default_dtype(np.float64)
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((60, 5)), np.repeat(np.arange(3), 20)
    clients = [(X[y == c], y[y == c]) for c in range(3)]
    loss_fn = dl.CrossEntropyLoss()
    federated = dl.Sequential(dl.Linear(5, 3, seed=0))
    federated_averaging(federated, loss_fn, clients, (X, y), rounds=1, lr=0.5, progress=False)
    central = dl.Sequential(dl.Linear(5, 3, seed=0))
    optimizer = dl.SGD(central.parameters(), lr=0.5)
    loss_fn(central(dl.asarray(X)), dl.asarray(y))
    central.backward(loss_fn.backward())
    optimizer.step()
    for name, value in get_weights(central).items():
        np.testing.assert_allclose(get_weights(federated)[name], value, atol=1e-12)


def test_rounds_to_reach_finds_the_first_round_at_the_target():
    assert rounds_to_reach([0.1, 0.5, 0.91, 0.89, 0.95], 0.9) == 2
    assert rounds_to_reach([0.1, 0.5], 0.9) is None


def test_fedavg_reaches_90_percent_in_fewer_rounds_than_fedsgd_at_its_best_learning_rate():
    dl = dlbook.load("numpy")
    X, y = dlbook.data.load_digits()
    X_train, y_train, X_test, y_test = dlbook.data.train_test_split(X, y, test_fraction=0.2, seed=0)
    clients = split_by_class(X_train, y_train)
    loss_fn = dl.CrossEntropyLoss()

    def rounds(**settings):
        model = dl.Sequential(dl.Linear(64, 10, seed=0))
        return federated_averaging(model, loss_fn, clients, (X_test, y_test), target=0.9, progress=False,
                                   **settings).rounds_to_target

    fedsgd = [rounds(rounds=40, lr=lr) for lr in (1.0, 2.0, 4.0)]
    fedavg = rounds(rounds=10, lr=0.5, local_epochs=5, batch_size=50)
    assert fedavg is not None and fedavg < min(r for r in fedsgd if r is not None) / 2, (fedavg, fedsgd)
