"""Federated learning: train one model on data that stays on its clients (McMahan et al., 2017).

Each round the server sends the global weights w to every client; client k trains on its own n_k
examples and sends back its weights w_k; the server averages them, weighted by the data they saw:

    w <- sum_k (n_k / n) w_k,        n = sum_k n_k.

FedSGD: each client takes one gradient step on all its data (local_epochs=1, batch_size=None). Since
every client starts from the same w, the average of the w_k is one step of full-batch gradient descent
on all the data: w - lr sum_k (n_k / n) grad L_k(w).
FedAvg: each client takes many steps (local_epochs E of mini-batches B) before the average: more
computation per round, far fewer rounds (communication) to reach the same accuracy.

Non-IID clients: `split_by_class` gives each client two digit classes only, so every client's own
optimum is a bad model; only the average sees every class.

Backend-agnostic: the backend is read off the model; data and weights travel as NumPy arrays.
"""

from dataclasses import dataclass, field

import numpy as np

from .. import backend_of
from ..train import evaluate, fit

try:
    from tqdm.auto import tqdm
except ImportError:  # pragma: no cover - tqdm is in requirements.txt
    tqdm = None


def split_by_class(X, y, n_clients=10, seed=0):
    """Non-IID clients with two classes each: the samples of class c are shuffled and halved; client c
    gets the first half of class c and client c - 1 the second half, so client k holds classes k and
    k + 1 (mod n_clients). Needs n_clients distinct classes 0..n_clients-1 in y. Returns [(X_k, y_k), ...]."""
    y = np.asarray(y)
    classes = np.unique(y)
    if len(classes) != n_clients or not (classes == np.arange(n_clients)).all():
        raise ValueError(f"split_by_class needs the classes 0..{n_clients - 1} in y, got {classes.tolist()}")
    rng = np.random.default_rng(seed)
    parts = [[] for _ in range(n_clients)]
    for c in classes:
        members = rng.permutation(np.flatnonzero(y == c))
        half = len(members) // 2
        parts[c].append(members[:half])
        parts[(c - 1) % n_clients].append(members[half:])
    indices = [np.sort(np.concatenate(part)) for part in parts]
    return [(X[index], y[index]) for index in indices]


def split_iid(X, y, n_clients=10, seed=0):
    """IID clients: a random permutation cut into n_clients near-equal parts. Returns [(X_k, y_k), ...]."""
    order = np.random.default_rng(seed).permutation(len(X))
    return [(X[index], y[index]) for index in np.array_split(order, n_clients)]


def get_weights(model):
    """A copy of the model's state as NumPy arrays (what a client sends over the network)."""
    dl = backend_of(model)
    return {name: np.array(dl.to_numpy(value), copy=True) for name, value in model.state_dict().items()}


def average_weights(client_weights, client_sizes):
    """w = sum_k (n_k / n) w_k, name by name."""
    fractions = np.asarray(client_sizes, dtype=np.float64) / np.sum(client_sizes)
    return {name: sum(f * weights[name] for f, weights in zip(fractions, client_weights)).astype(
        client_weights[0][name].dtype) for name in client_weights[0]}


def rounds_to_reach(accuracy, target):
    """The first round (index into a per-round accuracy list, 0 = before training) at which accuracy
    reaches target; None if it never does."""
    reached = np.flatnonzero(np.asarray(accuracy) >= target)
    return int(reached[0]) if len(reached) else None


@dataclass
class FederatedHistory:
    """Test accuracy after each round (index 0: before any round), and the rounds to reach a target."""

    accuracy: list = field(default_factory=list)
    rounds_to_target: int | None = None

    @property
    def rounds(self):
        return len(self.accuracy) - 1


def federated_averaging(model, loss_fn, clients, test_data, *, rounds, lr, local_epochs=1, batch_size=None,
                        target=None, seed=0, progress=True):
    """Train `model` (the global model, updated in place) with FedAvg over `clients` [(X_k, y_k), ...]:
    per round, every client starts from the global weights, trains local_epochs epochs of plain SGD with
    mini-batches of batch_size (None: all its data at once, so FedSGD is local_epochs=1, batch_size=None),
    and the server averages the client weights by their sizes n_k. Test accuracy is measured after every
    round; with `target`, training stops at the first round that reaches it. Returns a FederatedHistory."""
    dl = backend_of(model)
    optimizer = dl.SGD(model.parameters(), lr=lr)             # stateless: one serves every client
    history = FederatedHistory([evaluate(model, loss_fn, *test_data)["accuracy"]])
    sizes = [len(X_k) for X_k, _ in clients]
    round_bar = range(1, rounds + 1)
    if progress and tqdm is not None:
        round_bar = tqdm(round_bar, desc="rounds", leave=False)
    for round_number in round_bar:
        global_weights, client_weights = get_weights(model), []
        for k, (X_k, y_k) in enumerate(clients):
            model.load_state_dict(global_weights)              # the server's broadcast
            fit(model, loss_fn, optimizer, X_k, y_k, epochs=local_epochs, batch_size=batch_size or len(X_k),
                seed=seed + 1000 * round_number + k, progress=False)
            client_weights.append(get_weights(model))          # the client's upload
        model.load_state_dict(average_weights(client_weights, sizes))
        history.accuracy.append(evaluate(model, loss_fn, *test_data)["accuracy"])
        if target is not None and history.accuracy[-1] >= target:
            history.rounds_to_target = round_number
            break
    return history
