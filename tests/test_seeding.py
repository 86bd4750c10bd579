"""Where randomness comes from (dlbook.core.init's rule): seed=<int> gives a layer its own Generator;
seed=None draws from dlbook's global Generator, which dlbook.manual_seed seeds, on both backends, so a
notebook that calls it once is reproducible end to end."""

import numpy as np
import pytest

import dlbook


def unseeded_layers(dl):
    """Layers built without seed=, in a fixed order: weights and a dropout mask."""
    linear, rnn, dropout = dl.Linear(4, 3), dl.RNN(3, 2), dl.Dropout(0.5)
    mask = dl.to_numpy(dropout(dl.asarray(np.ones((4, 5))))) != 0
    return [dl.to_numpy(p) for p in (*linear.parameters(), *rnn.parameters())] + [mask]


def assert_all_equal(first, second):
    assert len(first) == len(second)
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)


def test_manual_seed_makes_layers_without_a_seed_draw_the_same_twice(dl):
    dlbook.manual_seed(0)
    first = unseeded_layers(dl)
    dlbook.manual_seed(0)
    assert_all_equal(first, unseeded_layers(dl))


def test_manual_seed_gives_both_backends_the_same_weights_and_masks(dl_np, dl_torch):
    dlbook.manual_seed(7)
    numpy_draws = unseeded_layers(dl_np)
    dlbook.manual_seed(7)
    assert_all_equal(numpy_draws, unseeded_layers(dl_torch))


def test_the_backends_manual_seed_is_dlbooks(dl):
    dl.manual_seed(1)
    first = unseeded_layers(dl)
    dlbook.manual_seed(1)
    assert_all_equal(first, unseeded_layers(dl))


def test_another_seed_gives_other_weights(dl):
    dlbook.manual_seed(0)
    first = dl.to_numpy(dl.Linear(4, 3).weight)
    dlbook.manual_seed(1)
    assert not np.array_equal(first, dl.to_numpy(dl.Linear(4, 3).weight))


def test_two_layers_built_after_one_manual_seed_differ(dl):
    dlbook.manual_seed(0)
    assert not np.array_equal(dl.to_numpy(dl.Linear(4, 3).weight), dl.to_numpy(dl.Linear(4, 3).weight))


def test_an_explicit_seed_ignores_manual_seed(dl):
    dlbook.manual_seed(0)
    first = dl.to_numpy(dl.Linear(4, 3, seed=5).weight)
    dlbook.manual_seed(123)
    np.testing.assert_array_equal(first, dl.to_numpy(dl.Linear(4, 3, seed=5).weight))


def test_manual_seed_also_seeds_torch_once_torch_is_imported(torch):
    dlbook.manual_seed(3)
    first = torch.rand(3)
    torch.manual_seed(3)
    assert torch.equal(first, torch.rand(3))


@pytest.mark.parametrize("backend", ["numpy", "torch"])
def test_a_fresh_interpreter_seeded_with_manual_seed_builds_the_same_model_each_run(backend):
    import subprocess
    import sys

    if backend == "torch":
        pytest.importorskip("torch")
    code = (f"import dlbook; dl = dlbook.load('{backend}'); dlbook.manual_seed(0); "
            "print(dl.to_numpy(dl.Sequential(dl.Linear(3, 2), dl.ReLU(), dl.Linear(2, 1))[2].weight).tolist())")
    runs = [subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
            for _ in range(2)]
    assert runs[0] == runs[1] and runs[0].strip()
