"""The sampling explorer: its distributions are next_token_distribution of one set of logits, top-k keeps
k characters, temperature 0 and top-k 1 are both greedy, samples are seeded, and the frames render."""

import numpy as np
import pytest

from dlbook.experiments.language_models import next_token_logits
from dlbook.text import next_token_distribution
from dlbook.widgets import SamplingExplorer
from dlbook.widgets.language_models import CONTEXT_LENGTH, CONTINUATION, PROMPT, explorer_model

GRID = SamplingExplorer.GRID


@pytest.mark.parametrize("top_k", GRID["top_k"])
def test_every_distribution_sums_to_one_and_top_k_keeps_k_characters(top_k):
    for temperature in GRID["temperature"]:
        result = SamplingExplorer().compute(temperature, top_k)
        assert abs(result["probabilities"].sum() - 1) < 1e-12
        expected = 1 if temperature == 0 else (len(result["characters"]) if top_k == "all" else top_k)
        assert result["support"] == expected, (temperature, top_k)


def test_temperature_zero_and_top_k_one_both_decode_greedily():
    greedy = SamplingExplorer().compute(0.0, "all")
    for temperature in GRID["temperature"]:
        result = SamplingExplorer().compute(temperature, 1)
        assert np.array_equal(result["probabilities"], greedy["probabilities"])
        assert result["continuation"] == greedy["continuation"]


def test_the_distribution_is_the_model_s_softmax_after_the_prompt():
    tokenizer, model = explorer_model()
    logits = next_token_logits(model, tokenizer.encode(PROMPT)[-CONTEXT_LENGTH:])
    np.testing.assert_allclose(SamplingExplorer().compute(1.0, "all")["probabilities"],
                               next_token_distribution(logits), rtol=1e-12)


def test_a_higher_temperature_flattens_the_distribution():
    entropies = []
    for temperature in GRID["temperature"][1:]:
        p = SamplingExplorer().compute(temperature, "all")["probabilities"]
        entropies.append(float(-(p * np.log(p)).sum()))
    assert np.all(np.diff(entropies) > 0)


def test_samples_are_seeded_and_have_the_stated_length():
    first, again = SamplingExplorer().compute(1.5, 20), SamplingExplorer().compute(1.5, 20)
    assert first["continuation"] == again["continuation"] and len(first["continuation"]) == CONTINUATION


def test_render_labels_the_bars():
    figure = SamplingExplorer().figure(temperature=0.5, top_k=5)
    bars = figure.axes[0]
    assert bars.get_xlabel() and bars.get_ylabel() and bars.get_title()
