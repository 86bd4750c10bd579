"""Magnitude pruning: keep the weights of largest |w|, set the others to zero.

    unstructured: single weights, with one threshold per layer or one for the whole model (global);
    structured: whole output neurons (rows of a Linear weight) or filters (C_out slices of a Conv2d
    weight), ranked by their L2 norm.
    Fine-tuning keeps the mask fixed: PruningMask.wrap(optimizer, model) re-applies it after each step.

Backend-agnostic: works on NumPy copies of the weights (dlbook.state) and writes back through
load_state_dict; the backend is read off the model.
"""

import numpy as np

from .. import backend_of
from ..state import load_numpy_state, numpy_state


def prunable_names(state):
    """The names of the weight matrices and filters (ndim >= 2): what pruning and quantization touch.
    Biases and batch-norm statistics (1-D) are few and stay in float32."""
    return [name for name, value in state.items() if np.ndim(value) >= 2]


def weight_sparsity(model_or_state, names=None):
    """The fraction of exact zeros among the weights named (default: every prunable weight)."""
    state = model_or_state if isinstance(model_or_state, dict) else numpy_state(model_or_state)
    names = prunable_names(state) if names is None else names
    zeros = sum(int((state[name] == 0).sum()) for name in names)
    return zeros / sum(state[name].size for name in names)


def _count_pruned(sparsity, size):
    if not 0 <= sparsity <= 1:
        raise ValueError(f"sparsity must lie in [0, 1], got {sparsity!r}")
    return int(round(sparsity * size))


def magnitude_mask(weight, sparsity):
    """keep: a bool array of weight's shape, False at the round(sparsity * size) entries of smallest |w|
    (ties broken by position, so the sparsity is exact)."""
    weight = np.asarray(weight)
    order = np.argsort(np.abs(weight), axis=None, kind="stable")       # smallest |w| first
    keep = np.ones(weight.size, dtype=bool)
    keep[order[:_count_pruned(sparsity, weight.size)]] = False
    return keep.reshape(weight.shape)


def global_magnitude_masks(weights, sparsity):
    """One threshold for all tensors {name: array}: the smallest |w| of the whole model go, whichever
    layer they sit in. Returns {name: keep}, together exactly round(sparsity * total) False."""
    flat_keep = magnitude_mask(np.concatenate([np.ravel(w) for w in weights.values()]), sparsity)
    parts = np.split(flat_keep, np.cumsum([np.size(w) for w in weights.values()])[:-1])
    return {name: part.reshape(np.shape(w)) for (name, w), part in zip(weights.items(), parts, strict=True)}


def structured_mask(weight, sparsity):
    """keep_rows: (out,) bool, False for the round(sparsity * out) output neurons / filters whose
    weights weight[i] (a row of a Linear weight, a filter of a Conv2d weight) have the smallest L2 norm."""
    weight = np.asarray(weight)
    norms = np.sqrt((weight.reshape(len(weight), -1).astype(np.float64) ** 2).sum(axis=1))   # ||w_i||_2
    return magnitude_mask(norms, sparsity)


class PruningMask:
    """Which weights stay: {parameter name: bool array of its shape}. apply(model) zeros the others.

        mask = PruningMask.magnitude(model, 0.9)            # 90% of the weights, smallest |w| first
        mask.apply(model)
        fit(model, loss_fn, mask.wrap(optimizer, model), ...)   # fine-tune: pruned weights stay zero
    """

    def __init__(self, masks):
        self.masks = {name: np.array(keep, dtype=bool) for name, keep in masks.items()}     # own, writable copies
        self._backend_masks = {}                            # (backend, device, name) -> backend array

    @classmethod
    def magnitude(cls, model, sparsity, scope="global", names=None):
        """Unstructured magnitude pruning of the weights named (default: every prunable weight).
        scope="global": one threshold over all of them; scope="layer": each layer loses `sparsity` of its own."""
        state = numpy_state(model)
        weights = {name: state[name] for name in (prunable_names(state) if names is None else names)}
        if scope == "global":
            return cls(global_magnitude_masks(weights, sparsity))
        if scope == "layer":
            return cls({name: magnitude_mask(w, sparsity) for name, w in weights.items()})
        raise ValueError(f"scope must be 'global' or 'layer', got {scope!r}")

    @classmethod
    def structured(cls, model, sparsity, names=None):
        """Structured pruning: in each weight named, the fraction `sparsity` of output neurons / filters
        of smallest L2 norm goes, with its bias. Default names: every prunable weight but the last,
        whose outputs are the model's outputs (the classes)."""
        state = numpy_state(model)
        names = prunable_names(state)[:-1] if names is None else names
        masks = {}
        for name in names:
            keep_rows = structured_mask(state[name], sparsity)
            masks[name] = np.broadcast_to(keep_rows.reshape((-1,) + (1,) * (state[name].ndim - 1)),
                                          state[name].shape)
            bias = name.removesuffix("weight") + "bias"
            if name.endswith("weight") and bias in state:
                masks[bias] = keep_rows                     # a removed neuron outputs nothing, not its bias
        return cls(masks)

    @property
    def sparsity(self):
        """The fraction of masked entries that are pruned (False)."""
        return 1 - sum(int(keep.sum()) for keep in self.masks.values()) / sum(k.size for k in self.masks.values())

    def apply(self, model):
        """w <- w * mask for every masked parameter, in place (either backend); returns model."""
        dl = backend_of(model)
        parameters = dict(model.named_parameters())
        with dl.no_grad():
            for name, keep in self.masks.items():
                key = (dl.name, str(dl.device), name)
                if key not in self._backend_masks:
                    self._backend_masks[key] = dl.asarray(keep)     # bool, on the model's device
                parameters[name].data *= self._backend_masks[key]
        return model

    def apply_to_state(self, state):
        """A new state with the masked arrays zeroed where the mask is False."""
        return {name: value * self.masks[name] if name in self.masks else value.copy()
                for name, value in state.items()}

    def wrap(self, optimizer, model):
        """The optimizer, with this mask re-applied to model after every step (for fine-tuning)."""
        return MaskedOptimizer(optimizer, self, model)


class MaskedOptimizer:
    """optimizer.step(), then mask.apply(model): the pruned weights stay exactly zero while the others
    learn. Everything else (zero_grad, lr, param_groups, state) is the wrapped optimizer's."""

    def __init__(self, optimizer, mask, model):
        self.optimizer, self.mask, self.model = optimizer, mask, model

    def step(self, closure=None):
        loss = self.optimizer.step(closure)
        self.mask.apply(self.model)                         # w <- w * mask after every update
        return loss

    def zero_grad(self, set_to_none=True):
        self.optimizer.zero_grad(set_to_none)

    @property
    def lr(self):
        return self.optimizer.lr

    @lr.setter
    def lr(self, value):
        self.optimizer.lr = value

    def __getattr__(self, name):
        return getattr(self.optimizer, name)


def fine_tune(model, mask, X, Y, *, epochs=5, lr=1e-3, batch_size=32, seed=0):
    """Apply mask, then train model with Adam on (X, Y), re-applying the mask after every step.
    Returns the History of dlbook.train.fit."""
    from ..train import fit

    dl = backend_of(model)
    mask.apply(model)
    optimizer = mask.wrap(dl.Adam(model.parameters(), lr=lr), model)
    return fit(model, dl.CrossEntropyLoss(), optimizer, X, Y, epochs=epochs, batch_size=batch_size, seed=seed,
               progress=False)


def accuracy_vs_sparsity(model, sparsities, X_train, Y_train, X_test, Y_test, *, epochs=5, lr=1e-3,
                         scope="global", progress=False):
    """Test accuracy of a trained model pruned to each of the increasing `sparsities`, two ways:

    'one_shot': magnitude pruning of the dense weights, no retraining;
    'retrained': gradual pruning — from the previous sparsity's fine-tuned weights, prune to the next
    sparsity and fine-tune `epochs` epochs with the mask fixed.
    The model ends with its dense weights back.

    Returns {'sparsity': (S,), 'one_shot': (S,), 'retrained': (S,), 'dense': float,
             'states': [the fine-tuned state at each sparsity]}."""
    from ..train import evaluate

    if list(sparsities) != sorted(sparsities):
        raise ValueError(f"gradual pruning needs increasing sparsities, got {list(sparsities)}")
    dl = backend_of(model)
    loss_fn = dl.CrossEntropyLoss()

    def test_accuracy():
        return evaluate(model, loss_fn, X_test, Y_test)["accuracy"]

    dense = numpy_state(model)
    result = {"sparsity": np.asarray(sparsities, dtype=float), "dense": test_accuracy(), "states": []}
    one_shot, retrained = [], []
    for sparsity in sparsities:
        PruningMask.magnitude(load_numpy_state(model, dense), sparsity, scope=scope).apply(model)
        one_shot.append(test_accuracy())
    load_numpy_state(model, dense)
    steps = sparsities
    if progress:
        from tqdm.auto import tqdm

        steps = tqdm(sparsities, desc="prune and fine-tune", leave=False)
    for sparsity in steps:
        mask = PruningMask.magnitude(model, sparsity, scope=scope)      # from the last fine-tuned weights
        fine_tune(model, mask, X_train, Y_train, epochs=epochs, lr=lr)
        retrained.append(test_accuracy())
        result["states"].append(numpy_state(model))
    load_numpy_state(model, dense)
    result["one_shot"], result["retrained"] = np.array(one_shot), np.array(retrained)
    return result
