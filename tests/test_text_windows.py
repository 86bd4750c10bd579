"""Next-token windows: the target is the context shifted by one, random windows are seeded and cover
every start, the evaluation windows are all the non-overlapping ones in order; bad arguments are refused."""

import numpy as np
import pytest

from dlbook.text import next_token_batches, next_token_windows

IDS = np.arange(100, 150)          # token i at position i - 100: a window's start can be read off its values


def test_batches_hold_contexts_and_their_shifted_targets():
    batches = list(next_token_batches(IDS, context_length=8, batch_size=4, seed=0, num_batches=5))
    assert len(batches) == 5
    for context, target in batches:
        assert context.shape == target.shape == (4, 8)
        assert context.dtype == target.dtype == np.int64
        starts = context[:, 0] - 100
        np.testing.assert_array_equal(context, IDS[starts[:, None] + np.arange(8)])   # a slice of ids
        np.testing.assert_array_equal(target, IDS[starts[:, None] + np.arange(1, 9)])  # shifted by one


def test_every_start_is_drawn_and_none_past_the_last_window():
    ids = np.arange(12)
    starts = np.concatenate([context[:, 0] for context, _ in
                             next_token_batches(ids, context_length=4, batch_size=64, seed=1, num_batches=10)])
    assert set(starts.tolist()) == set(range(12 - 4))          # 0 .. L - T - 1: the target needs one more


def test_the_same_seed_gives_the_same_batches():
    def draw(seed):
        return [pair for batch in next_token_batches(IDS, 8, 4, seed=seed, num_batches=3) for pair in batch]

    for first, second in zip(draw(7), draw(7)):
        np.testing.assert_array_equal(first, second)
    assert any(not np.array_equal(a, b) for a, b in zip(draw(7), draw(8)))
    generator = np.random.default_rng(3)                        # a Generator works as in dlbook.data.batches
    assert len(list(next_token_batches(list(IDS), 8, 4, seed=generator, num_batches=2))) == 2


def test_by_default_one_epoch_of_tokens():
    assert len(list(next_token_batches(np.arange(1001), context_length=10, batch_size=5))) == 20
    assert len(list(next_token_batches(np.arange(12), context_length=10, batch_size=5))) == 1


def test_evaluation_windows_are_all_non_overlapping_ones_in_order():
    context, target = next_token_windows(np.arange(23), context_length=5)
    assert context.shape == target.shape == (4, 5) and context.dtype == np.int64     # (23 - 1) // 5 = 4
    np.testing.assert_array_equal(context, np.arange(20).reshape(4, 5))
    np.testing.assert_array_equal(target, np.arange(1, 21).reshape(4, 5))
    context, target = next_token_windows([3, 1, 4, 1, 5, 9], context_length=5)
    assert context.tolist() == [[3, 1, 4, 1, 5]] and target.tolist() == [[1, 4, 1, 5, 9]]


@pytest.mark.parametrize(("arguments", "message"), [
    ((np.arange(8), 8, 2), "at least 9 token ids"),
    ((np.arange(8), 0, 2), "context_length must be an integer >= 1"),
    ((np.arange(8), 4, 0), "batch_size must be an integer >= 1"),
    ((np.arange(8) + 0.5, 4, 2), "integer token ids"),
    ((np.zeros((2, 8), dtype=int), 4, 2), r"shape \(L,\)"),
])
def test_bad_arguments_fail_at_the_call(arguments, message):
    with pytest.raises(ValueError, match=message):
        next_token_batches(*arguments, seed=0)                    # no iteration needed to see the error


def test_bad_num_batches_and_short_ids_for_evaluation():
    with pytest.raises(ValueError, match="num_batches"):
        next_token_batches(IDS, 8, 4, seed=0, num_batches=0)
    with pytest.raises(ValueError, match="at least 6 token ids"):
        next_token_windows([1, 2, 3], context_length=5)
