"""Reusing what was learned: augmented training, transfer by freezing, fine-tuning, distillation.

Every function takes the backend `dl` (or reads it off a model with dlbook.backend_of) and NumPy arrays;
this module imports no backend. The chapter's four experiments, on the 8x8 digits:

    few_per_class        a small stratified training set (k images of every class)
    split_by_classes     the images of some classes, relabelled 0 .. len(classes) - 1
    fit_augmented        training where every epoch sees a new augmented copy of the images
    body_and_head        a Sequential's feature extractor (every layer but the last) and its head
    transfer_model       the pretrained body, frozen or not, under a new head for new classes
    fine_tuning_groups   optimizer parameter groups: the body at a smaller learning rate than the head
    transfer_comparison  frozen pretrained / frozen random / from scratch / fine-tuned, on a few examples
    soft_targets         softmax(z / T) of a teacher's logits, the targets of distillation
    DistillationLoss     T^2 CE(softmax(z_s / T), q): Hinton et al.'s soft-target loss (scaled by T^2)
    distillation_comparison  a student trained on labels vs on a teacher's soft targets, same images
"""

import copy

import numpy as np

from .. import backend_of
from ..augmentation import augment
from ..train import evaluate, fit, predict


def few_per_class(X, y, per_class, seed=0):
    """`per_class` images of every class of y, drawn without replacement (seeded), in class order:
    X (N, ...), y (N,) -> (X_small, y_small) with per_class * K rows."""
    rng = np.random.default_rng(seed)
    chosen = []
    for label in np.unique(y):
        rows = np.flatnonzero(y == label)
        if len(rows) < per_class:
            raise ValueError(f"few_per_class: class {label} has {len(rows)} images, fewer than {per_class}")
        chosen.append(rng.choice(rows, per_class, replace=False))
    chosen = np.concatenate(chosen)
    return X[chosen], y[chosen]


def split_by_classes(X, y, classes):
    """The images whose label is in `classes`, relabelled by position: classes (5, 6, 7, 8, 9) -> 0 .. 4.
    Returns (X_part, y_part) with y_part int64."""
    classes = list(classes)
    kept = np.isin(y, classes)
    relabel = {label: index for index, label in enumerate(classes)}
    return X[kept], np.array([relabel[label] for label in y[kept]], dtype=np.int64)


def fit_augmented(model, optimizer, X, y, *, epochs, augmentation=None, batch_size=32, seed=0, flatten=False,
                  label_smoothing=0.0):
    """Train model with cross-entropy for `epochs` epochs, each on a fresh augmented copy of the images
    X (N, C, H, W): augment(X, **augmentation, seed=seed * 1000 + epoch) (None or {}: the images as they are).
    flatten: feed the network (N, C * H * W) rows (an MLP). label_smoothing eps: the target of every image is
    (1 - eps) one_hot(y) + eps / K, as in torch's CrossEntropyLoss(label_smoothing=eps). Returns the model."""
    dl = backend_of(model)
    loss_fn = dl.CrossEntropyLoss(label_smoothing=label_smoothing)
    for epoch in range(epochs):
        images = augment(X, **augmentation, seed=seed * 1000 + epoch) if augmentation else X
        inputs = images.reshape(len(images), -1) if flatten else images
        fit(model, loss_fn, optimizer, inputs, y, epochs=1, batch_size=batch_size, seed=seed * 1000 + epoch,
            progress=False)
    return model


def accuracy(model, X, y, flatten=False):
    """The fraction of X (N, C, H, W) that model classifies as y (eval mode)."""
    dl = backend_of(model)
    inputs = X.reshape(len(X), -1) if flatten else X
    return evaluate(model, dl.CrossEntropyLoss(), inputs, y)["accuracy"]


def augmentation_accuracies(build, X, y, validation_sets, augmentations, seeds, *, epochs, lr, batch_size=32,
                            flatten=False, per_class=None):
    """For every augmentation (name -> augment's keywords) and seed: build(seed) trained with Adam(lr) by
    fit_augmented on (X, y), scored on every validation set (name -> (X_val, y_val)). per_class: train each
    seed on its own draw few_per_class(X, y, per_class, seed=seed) instead (the same draw for every augmentation),
    so that the mean over seeds also averages over which images the small training set holds.
    Returns {augmentation name: {validation name: (len(seeds),) accuracies}}."""
    scores = {}
    for name, augmentation in augmentations.items():
        per_set = {set_name: [] for set_name in validation_sets}
        for seed in seeds:
            X_train, y_train = (X, y) if per_class is None else few_per_class(X, y, per_class, seed=seed)
            model = build(seed)
            optimizer = backend_of(model).Adam(model.parameters(), lr=lr)
            fit_augmented(model, optimizer, X_train, y_train, epochs=epochs, augmentation=augmentation,
                          batch_size=batch_size, seed=seed, flatten=flatten)
            for set_name, (X_val, y_val) in validation_sets.items():
                per_set[set_name].append(accuracy(model, X_val, y_val, flatten=flatten))
        scores[name] = {set_name: np.array(values) for set_name, values in per_set.items()}
    return scores


def body_and_head(model):
    """(body, head): a Sequential of every layer of `model` but the last (the features), and the last
    (the classifier). They share the model's parameters: nothing is copied."""
    dl = backend_of(model)
    layers = list(model)
    return dl.Sequential(*layers[:-1]), layers[-1]


def transfer_model(dl, pretrained, n_classes, *, freeze=True, seed=0):
    """A copy of pretrained's body (its layers and weights) under a new Linear head for n_classes, drawn
    from seed; freeze=True freezes the body with requires_grad_(False), so that only the head learns.
    The body is deep-copied: training the new model leaves `pretrained` as it was."""
    body, head = body_and_head(copy_model(pretrained))
    if freeze:
        body.requires_grad_(False)
    return dl.Sequential(*body, dl.Linear(head.in_features, n_classes, seed=seed))


def copy_model(model):
    """A deep copy of model with its weights, without what its last forward kept for backward (on the torch
    backend a graph, which cannot be copied): those values become None in the copy."""
    memo = {}
    for module in model.modules():
        for value in vars(module).values():
            if getattr(value, "is_leaf", True) is False:           # a tensor inside an autograd graph
                memo[id(value)] = None
    return copy.deepcopy(model, memo)


def fine_tuning_groups(model, body_lr, head_lr):
    """Parameter groups (torch.optim's format) for fine-tuning: every parameter of the body at body_lr,
    the head's at head_lr. Pass them to any optimizer: dl.Adam(fine_tuning_groups(...), lr=head_lr)."""
    body, head = body_and_head(model)
    return [{"params": list(body.parameters()), "lr": body_lr}, {"params": list(head.parameters()), "lr": head_lr}]


def soft_targets(logits, temperature):
    """q = softmax(z / T) per row of logits z (N, K), NumPy float32: T = 1 the teacher's probabilities,
    larger T softer ones that show which wrong classes it finds likely."""
    if not temperature > 0:
        raise ValueError(f"soft_targets: the temperature must be > 0, got {temperature!r}")
    scaled = np.asarray(logits, dtype=np.float64) / temperature
    scaled -= scaled.max(axis=1, keepdims=True)                    # stable: exp of values <= 0
    exps = np.exp(scaled)
    return (exps / exps.sum(axis=1, keepdims=True)).astype(np.float32)


class DistillationLoss:
    """L = T^2 * CE(z / T, q) = -T^2 / N sum_i sum_c q_ic log softmax(z_i / T)_c, with q the teacher's soft
    targets at the same T (Hinton et al., 2015). The T^2 keeps the gradient's size independent of T:
    dL/dz = T (softmax(z / T) - q) / N. Used as any loss: loss = loss_fn(student(x), q); loss_fn.backward()."""

    def __init__(self, dl, temperature):
        if not temperature > 0:
            raise ValueError(f"DistillationLoss: the temperature must be > 0, got {temperature!r}")
        self.temperature = float(temperature)
        self.cross_entropy = dl.CrossEntropyLoss()              # with probability targets, on both backends

    def __call__(self, logits, targets):
        return self.forward(logits, targets)

    def forward(self, logits, targets):
        return self.cross_entropy(logits / self.temperature, targets) * self.temperature ** 2

    def backward(self):
        """dL/dz = T^2 * (1 / T) * dCE/d(z / T)."""
        return self.cross_entropy.backward() * self.temperature


def distill(student, teacher_logits, X, *, temperature, epochs, lr, batch_size=32, seed=0):
    """Train `student` (rows X (N, D)) with Adam(lr) on the teacher's soft targets softmax(teacher_logits / T)
    by DistillationLoss; returns the student."""
    dl = backend_of(student)
    fit(student, DistillationLoss(dl, temperature), dl.Adam(student.parameters(), lr=lr), X,
        soft_targets(teacher_logits, temperature), epochs=epochs, batch_size=batch_size, seed=seed, progress=False)
    return student


def transfer_comparison(dl, pretrained, build, X_new, y_new, validation_sets, *, per_class, seeds, epochs, lr,
                        head_lr, body_lr, batch_size=10):
    """The chapter's transfer experiment: for every seed, `per_class` images of every new class (few_per_class
    with that seed) train four networks of the same shape, all with Adam, each scored on every validation set
    (name -> (X_val, y_val)), so that the networks are trained once:

        'frozen, pretrained'   pretrained's body frozen, a new head (head_lr)
        'frozen, random'       build(seed)'s untrained body frozen, a new head (head_lr): features that know nothing
        'from scratch'         build(seed), every layer trained (lr)
        'fine-tuned'           pretrained's body at body_lr and a new head at head_lr (fine_tuning_groups)

    build(seed) makes the network for the new classes.
    Returns {network name: {validation name: (len(seeds),) accuracies}}."""
    n_classes = len(np.unique(y_new))
    names = ("frozen, pretrained", "frozen, random", "from scratch", "fine-tuned")
    scores = {name: {set_name: [] for set_name in validation_sets} for name in names}
    for seed in seeds:
        X_few, y_few = few_per_class(X_new, y_new, per_class, seed=seed)
        runs = {
            "frozen, pretrained": (transfer_model(dl, pretrained, n_classes, seed=seed), None),
            "frozen, random": (transfer_model(dl, build(seed), n_classes, seed=seed), None),
            "from scratch": (build(seed), lr),
            "fine-tuned": (transfer_model(dl, pretrained, n_classes, freeze=False, seed=seed), "groups"),
        }
        for name, (model, setting) in runs.items():
            if setting == "groups":
                optimizer = dl.Adam(fine_tuning_groups(model, body_lr, head_lr), lr=head_lr)
            else:
                optimizer = dl.Adam(model.parameters(), lr=head_lr if setting is None else setting)
            fit_augmented(model, optimizer, X_few, y_few, epochs=epochs, batch_size=batch_size, seed=seed)
            for set_name, (X_val, y_val) in validation_sets.items():
                scores[name][set_name].append(accuracy(model, X_val, y_val))
    return {name: {set_name: np.array(values) for set_name, values in per_set.items()}
            for name, per_set in scores.items()}


def trainable_parameters(model):
    """How many numbers training changes: the sizes of the parameters with requires_grad."""
    return sum(int(np.prod(parameter.shape)) for parameter in model.parameters() if parameter.requires_grad)


def distillation_comparison(dl, teacher, build_student, X_train, y_train, validation, *, per_class, seeds,
                            temperatures, epochs, lr, batch_size=32):
    """For every seed, `per_class` images of every class (few_per_class) train the student build_student(seed)
    (an MLP on flattened images) on their labels ('labels') and, for every T in temperatures, on the
    teacher's soft targets at T ('T = 4', ...). Returns {name: (len(seeds),) accuracies on validation}."""
    scores = {"labels": [], **{f"T = {temperature:g}": [] for temperature in temperatures}}
    for seed in seeds:
        X_few, y_few = few_per_class(X_train, y_train, per_class, seed=seed)
        student = build_student(seed)
        fit_augmented(student, dl.Adam(student.parameters(), lr=lr), X_few, y_few, epochs=epochs,
                      batch_size=batch_size, seed=seed, flatten=True)
        scores["labels"].append(accuracy(student, *validation, flatten=True))
        teacher_logits = predict(teacher, X_few)
        for temperature in temperatures:
            student = build_student(seed)
            distill(student, teacher_logits, X_few.reshape(len(X_few), -1), temperature=temperature, epochs=epochs,
                    lr=lr, batch_size=batch_size, seed=seed)
            scores[f"T = {temperature:g}"].append(accuracy(student, *validation, flatten=True))
    return {name: np.array(values) for name, values in scores.items()}
