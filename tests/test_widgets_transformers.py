"""The attention explorer: causal rows that sum to one on the fixed sequence, the induction target, a
trained layer-2 head that attends to the letter after the earlier copy, far more than any head of layer 1."""

import numpy as np
import pytest

from dlbook.widgets import AttentionExplorer
from dlbook.widgets.transformers import SENTENCE, induction_target, sentence_attention

GRID = AttentionExplorer.GRID


def test_the_attention_maps_are_causal_and_each_row_sums_to_one():
    maps = sentence_attention()
    assert maps.shape == (2, 2, len(SENTENCE), len(SENTENCE))
    np.testing.assert_allclose(maps.sum(axis=-1), 1.0, atol=1e-5)
    assert np.all(np.triu(maps, k=1) == 0)


def test_the_induction_target_holds_the_letter_that_comes_next():
    for query in GRID["query"]:
        target = induction_target(query)
        assert SENTENCE[target] == SENTENCE[query + 1] and SENTENCE[target - 1] == SENTENCE[query]
    assert induction_target(2) is None


@pytest.mark.parametrize("query", GRID["query"])
def test_some_layer_2_head_attends_to_the_letter_after_the_earlier_copy(query):
    weights = [AttentionExplorer().compute(2, head, query)["target_weight"] for head in GRID["head"]]
    assert max(weights) > 0.3, weights


def test_layer_2_attends_to_the_letter_after_the_earlier_copy_far_more_than_layer_1():
    for query in GRID["query"]:
        best = {layer: max(AttentionExplorer().compute(layer, head, query)["target_weight"] for head in GRID["head"])
                for layer in GRID["layer"]}
        assert best[2] > 0.5 and best[2] > 2 * best[1], (query, best)
