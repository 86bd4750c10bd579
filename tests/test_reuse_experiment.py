"""dlbook.experiments.reuse on both backends: small splits, augmented training, freezing, parameter groups,
soft targets and the distillation loss."""

import numpy as np
import pytest

import dlbook
from dlbook import models
from dlbook.experiments import reuse
from dlbook.train import fit

BACKENDS = ["numpy", "torch"]


@pytest.fixture(params=BACKENDS)
def dl(request):
    return dlbook.load(request.param)


def digits_like(n=40, seed=0):
    rng = np.random.default_rng(seed)
    return rng.random((n, 1, 8, 8)).astype(np.float32), np.arange(n, dtype=np.int64) % 10


def test_few_per_class_takes_that_many_of_every_class_and_is_seeded():
    X, y = digits_like(100)
    X_small, y_small = reuse.few_per_class(X, y, 3, seed=1)
    assert X_small.shape == (30, 1, 8, 8) and np.bincount(y_small).tolist() == [3] * 10
    again = reuse.few_per_class(X, y, 3, seed=1)
    assert np.array_equal(X_small, again[0])
    with pytest.raises(ValueError, match="fewer than"):
        reuse.few_per_class(X, y, 11)


def test_split_by_classes_keeps_those_classes_relabelled_by_position():
    X, y = digits_like(50)
    X_part, y_part = reuse.split_by_classes(X, y, (5, 6, 7, 8, 9))
    assert len(X_part) == 25 and sorted(set(y_part.tolist())) == [0, 1, 2, 3, 4]
    assert np.array_equal(X_part, X[y >= 5]) and np.array_equal(y_part, y[y >= 5] - 5)


def test_fit_augmented_without_augmentation_equals_fit_epoch_by_epoch(dl):
    X, y = digits_like(20)
    first, second = (models.mlp(dl, (64, 8, 10), seed=0) for _ in range(2))
    reuse.fit_augmented(first, dl.SGD(first.parameters(), lr=0.1), X, y, epochs=2, flatten=True)
    reuse.fit_augmented(second, dl.SGD(second.parameters(), lr=0.1), X, y, epochs=2, augmentation={}, flatten=True)
    for a, b in zip(first.parameters(), second.parameters()):
        assert np.array_equal(dl.to_numpy(a.data), dl.to_numpy(b.data))


def test_augmented_training_differs_from_plain_training(dl):
    X, y = digits_like(20)
    plain, augmented = (models.mlp(dl, (64, 8, 10), seed=0) for _ in range(2))
    reuse.fit_augmented(plain, dl.SGD(plain.parameters(), lr=0.1), X, y, epochs=1, flatten=True)
    reuse.fit_augmented(augmented, dl.SGD(augmented.parameters(), lr=0.1), X, y, epochs=1,
                        augmentation={"max_angle": 10.0}, flatten=True)
    assert not np.allclose(dl.to_numpy(plain[0].weight.data), dl.to_numpy(augmented[0].weight.data))


def test_fit_augmented_trains_on_label_smoothed_targets(dl):
    X, y = digits_like(20)
    smoothed, by_hand, plain = (models.mlp(dl, (64, 8, 10), seed=0) for _ in range(3))
    reuse.fit_augmented(smoothed, dl.SGD(smoothed.parameters(), lr=0.1), X, y, epochs=2, flatten=True,
                        label_smoothing=0.2)
    loss_fn, optimizer = dl.CrossEntropyLoss(label_smoothing=0.2), dl.SGD(by_hand.parameters(), lr=0.1)
    for epoch in range(2):                                          # fit_augmented's seeds: seed * 1000 + epoch
        fit(by_hand, loss_fn, optimizer, X.reshape(20, -1), y, epochs=1, batch_size=32, seed=epoch, progress=False)
    reuse.fit_augmented(plain, dl.SGD(plain.parameters(), lr=0.1), X, y, epochs=2, flatten=True)
    for a, b in zip(smoothed.parameters(), by_hand.parameters()):
        np.testing.assert_allclose(dl.to_numpy(a.data), dl.to_numpy(b.data), rtol=1e-6, atol=1e-7)
    assert not np.allclose(dl.to_numpy(smoothed[0].weight.data), dl.to_numpy(plain[0].weight.data))


def test_augmentation_accuracies_has_one_score_per_seed_and_set(dl):
    X, y = digits_like(20)
    scores = reuse.augmentation_accuracies(lambda seed: models.mlp(dl, (64, 8, 10), seed=seed), X, y,
                                           {"a": (X, y), "b": (X[:10], y[:10])},
                                           {"none": None, "rot": {"max_angle": 5.0}},
                                           seeds=(0, 1), epochs=1, lr=1e-2, flatten=True)
    assert set(scores) == {"none", "rot"} and scores["rot"]["b"].shape == (2,)
    assert all(0 <= value <= 1 for per_set in scores.values() for values in per_set.values() for value in values)


def test_transfer_model_copies_the_body_freezes_it_and_adds_a_new_head(dl):
    pretrained = models.digits_cnn(dl, channels=(4, 8), hidden=None, n_classes=5, seed=0)
    model = reuse.transfer_model(dl, pretrained, 3, seed=1)
    body, head = reuse.body_and_head(model)
    assert head.out_features == 3 and head.in_features == 32
    assert not any(parameter.requires_grad for parameter in body.parameters())
    assert all(parameter.requires_grad for parameter in head.parameters())
    before = {name: dl.to_numpy(value).copy() for name, value in pretrained.state_dict().items()}
    X, y = digits_like(12)
    reuse.fit_augmented(model, dl.Adam(model.parameters(), lr=0.1), X, y % 3, epochs=2)
    for name, value in pretrained.state_dict().items():                  # the pretrained network is untouched
        assert np.array_equal(dl.to_numpy(value), before[name]), name
    pretrained_body = reuse.body_and_head(pretrained)[0].state_dict().values()
    for (name, value), original in zip(body.state_dict().items(), pretrained_body):
        assert np.array_equal(dl.to_numpy(value), dl.to_numpy(original)), name   # frozen: not moved


def test_unfrozen_transfer_model_trains_its_body(dl):
    pretrained = models.digits_cnn(dl, channels=(4, 8), hidden=None, n_classes=5, seed=0)
    model = reuse.transfer_model(dl, pretrained, 3, freeze=False, seed=1)
    X, y = digits_like(12)
    reuse.fit_augmented(model, dl.Adam(model.parameters(), lr=0.1), X, y % 3, epochs=1)
    assert not np.array_equal(dl.to_numpy(model[0].weight.data), dl.to_numpy(pretrained[0].weight.data))


def test_fine_tuning_groups_give_the_body_its_own_learning_rate(dl):
    model = models.digits_cnn(dl, channels=(4, 8), hidden=16, seed=0)
    optimizer = dl.Adam(reuse.fine_tuning_groups(model, body_lr=1e-4, head_lr=1e-2), lr=1e-2)
    assert [group["lr"] for group in optimizer.param_groups] == [1e-4, 1e-2]
    assert len(optimizer.param_groups[1]["params"]) == 2                  # the head's weight and bias
    n_parameters = sum(len(group["params"]) for group in optimizer.param_groups)
    assert n_parameters == len(list(model.parameters()))


def test_soft_targets_are_probabilities_that_soften_with_temperature():
    logits = np.array([[4.0, 1.0, 0.0], [0.0, 0.0, 0.0]])
    sharp, soft = reuse.soft_targets(logits, 1.0), reuse.soft_targets(logits, 10.0)
    np.testing.assert_allclose(sharp.sum(axis=1), 1.0, rtol=1e-6)
    np.testing.assert_allclose(sharp[0], np.exp(logits[0]) / np.exp(logits[0]).sum(), rtol=1e-6)
    assert soft[0].max() < sharp[0].max() and np.allclose(soft[1], 1 / 3)
    with pytest.raises(ValueError, match="temperature"):
        reuse.soft_targets(logits, 0.0)


@pytest.mark.parametrize("temperature", [1.0, 4.0])
def test_distillation_loss_and_its_gradient_in_closed_form(dl, temperature):
    rng = np.random.default_rng(0)
    logits = rng.standard_normal((5, 4)).astype(np.float32)
    targets = reuse.soft_targets(rng.standard_normal((5, 4)), temperature)
    loss_fn = reuse.DistillationLoss(dl, temperature)
    loss = float(dl.to_numpy(loss_fn(dl.asarray(logits), dl.asarray(targets))))
    p = reuse.soft_targets(logits, temperature).astype(np.float64)
    expected = -temperature ** 2 * (targets * np.log(p)).sum(axis=1).mean()
    assert loss == pytest.approx(expected, rel=1e-5)
    np.testing.assert_allclose(dl.to_numpy(loss_fn.backward()), temperature * (p - targets) / 5, atol=1e-6)


def test_distill_moves_the_student_towards_the_teacher(dl):
    X, _ = digits_like(30)
    rows = X.reshape(30, -1)
    teacher_logits = 3 * np.random.default_rng(1).standard_normal((30, 10)).astype(np.float32)
    student = models.mlp(dl, (64, 16, 10), seed=0)
    loss_fn = reuse.DistillationLoss(dl, 2.0)
    targets = dl.asarray(reuse.soft_targets(teacher_logits, 2.0))
    before = float(dl.to_numpy(loss_fn(student(dl.asarray(rows)), targets)))
    reuse.distill(student, teacher_logits, rows, temperature=2.0, epochs=30, lr=1e-2)
    after = float(dl.to_numpy(loss_fn(student(dl.asarray(rows)), targets)))
    q = reuse.soft_targets(teacher_logits, 2.0).astype(np.float64)
    floor = -4.0 * (q * np.log(q)).sum(axis=1).mean()                   # T^2 H(q): the loss at student = teacher
    assert after - floor < 0.5 * (before - floor)                       # the KL divergence at least halves


def test_trainable_parameters_counts_only_the_unfrozen_numbers(dl):
    pretrained = models.digits_cnn(dl, channels=(4, 8), hidden=None, n_classes=5, seed=0)
    assert reuse.trainable_parameters(reuse.transfer_model(dl, pretrained, 3)) == 32 * 3 + 3
    assert reuse.trainable_parameters(pretrained) == (4 * 9 + 4) + (8 * 4 * 9 + 8) + (32 * 5 + 5)


def test_transfer_comparison_scores_four_networks_per_seed_on_every_set(dl):
    X, y = digits_like(30)
    y = y % 3
    def build(seed):
        return models.digits_cnn(dl, channels=(2, 4), hidden=None, n_classes=3, seed=seed)
    settings = dict(per_class=2, seeds=(0, 1), epochs=1, lr=1e-3, head_lr=1e-2, body_lr=1e-4, batch_size=6)
    scores = reuse.transfer_comparison(dl, build(9), build, X, y, {"all": (X, y), "first": (X[:12], y[:12])},
                                       **settings)
    assert list(scores) == ["frozen, pretrained", "frozen, random", "from scratch", "fine-tuned"]
    for per_set in scores.values():
        assert list(per_set) == ["all", "first"]
        assert all(values.shape == (2,) and ((0 <= values) & (values <= 1)).all() for values in per_set.values())
    alone = reuse.transfer_comparison(dl, build(9), build, X, y, {"all": (X, y)}, **settings)
    for name, per_set in alone.items():                 # another set scores the same networks, it trains no others
        np.testing.assert_array_equal(per_set["all"], scores[name]["all"])


def test_distillation_comparison_scores_labels_and_every_temperature(dl):
    X, y = digits_like(30)
    teacher = models.digits_cnn(dl, channels=(2, 4), hidden=None, seed=0)
    scores = reuse.distillation_comparison(dl, teacher, lambda seed: models.mlp(dl, (64, 8, 10), seed=seed), X, y,
                                           (X, y), per_class=2, seeds=(0,), temperatures=(1, 4), epochs=1, lr=1e-2)
    assert list(scores) == ["labels", "T = 1", "T = 4"] and scores["T = 4"].shape == (1,)


def test_a_model_that_just_ran_forward_can_be_transferred(dl):
    pretrained = models.digits_cnn(dl, channels=(2, 4), hidden=None, n_classes=5, seed=0)
    pretrained(dl.asarray(digits_like(4)[0]))                           # torch: a graph hangs on every layer
    model = reuse.transfer_model(dl, pretrained, 3)
    assert reuse.trainable_parameters(model) == 16 * 3 + 3
