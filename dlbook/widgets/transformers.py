"""The attention explorer: layer x head x query position -> the attention weights of a trained 2-layer GPT
over the context of a fixed sequence in which a segment comes twice.

The model is the chapter's induction-head model (dlbook.experiments.transformers.induction_experiment: a
2-layer GPT, 2 heads per layer, trained on random tokens in which a segment repeats), trained once with the
NumPy reference on first use and kept for the session (dlbook.experiments.transformers.trained_induction_model,
the same cached model the chapter trains when it runs on the NumPy backend). Its tokens are shown as the
letters a..p. In the second copy of the segment, an induction head of layer 2 attends from the current letter
to the letter that followed the same letter in the first copy (marked), which is the one to predict next;
the heads of layer 1 do not.
Everything is seeded: the same sliders give the same picture.
"""

import numpy as np

from .. import numpy as reference
from ..experiments.transformers import attention_maps, trained_induction_model
from .explorer import Explorer

LETTERS = "abcdefghijklmnop"                  # the 16 tokens of the induction task
SENTENCE = "pig" + "jacob" * 2 + "mn"          # a segment of 5 distinct letters, twice
IDS = np.array([LETTERS.index(character) for character in SENTENCE])
SEGMENT_START, SEGMENT_LENGTH = 3, 5
TICKS = [0, 3, 8, 13]                          # where "pig", the two copies of "jacob" and "mn" begin


def induction_target(query):
    """The position whose letter comes next when query lies in the second copy: the one after the same
    letter in the first copy (None outside the second copy)."""
    if SEGMENT_START + SEGMENT_LENGTH <= query < SEGMENT_START + 2 * SEGMENT_LENGTH:
        return query - SEGMENT_LENGTH + 1
    return None


def sentence_attention():
    """(2 layers, 2 heads, T, T): the trained model's attention weights on SENTENCE, from the NumPy reference."""
    return attention_maps(trained_induction_model(reference, 2), IDS)


class AttentionExplorer(Explorer):
    """Pick a layer, a head and a query position; see where that query attends in a trained 2-layer GPT."""

    TITLE = "Attention weights of a trained 2-layer GPT"
    GRID = {
        "layer": [1, 2],
        "head": [1, 2],
        "query": [8, 10, 11],
    }
    LABELS = {"layer": "layer", "head": "head", "query": "query position"}
    DEFAULTS = {"layer": 2}
    FIGSIZE = (8.4, 3.4)

    def compute(self, layer, head, query):
        """{'weights': (T, T) the head's attention, 'row': (T,) the query's weights over positions 0..T-1,
        'target': the induction target position (or None), 'target_weight', 'previous_weight': the weight
        on the previous position}."""
        weights = sentence_attention()[layer - 1, head - 1]
        row = weights[query]
        target = induction_target(query)
        return {"weights": weights, "row": row, "target": target,
                "target_weight": float(row[target]) if target is not None else float("nan"),
                "previous_weight": float(row[query - 1])}

    def render(self, result, layer, head, query):
        figure, (matrix_axes, bar_axes) = self.new_figure(ncols=2)
        figure.subplots_adjust(left=0.07, right=0.97, bottom=0.17, top=0.84, wspace=0.25)
        positions = np.arange(len(SENTENCE))
        matrix_axes.imshow(result["weights"], cmap="Blues", vmin=0, vmax=1)
        matrix_axes.axhline(query - 0.5, color="tab:red", linewidth=1)
        matrix_axes.axhline(query + 0.5, color="tab:red", linewidth=1)
        matrix_axes.set_xticks(TICKS)
        matrix_axes.set_yticks(TICKS)
        matrix_axes.set(xlabel="key (attended) position", ylabel="query position",
                        title=f"layer {layer}, head {head}: all queries")
        colors = ["0.6"] * len(SENTENCE)
        colors[query] = "tab:red"
        if result["target"] is not None:
            colors[result["target"]] = "tab:green"
        bar_axes.bar(positions, result["row"], color=colors)
        bar_axes.set_xticks(positions, list(SENTENCE), fontsize=7)
        bar_axes.set(ylim=(0, 1), xlabel="key position (green: the letter after the earlier copy)",
                     ylabel="attention weight",
                     title=f"query {query} ('{SENTENCE[query]}', red): {result['target_weight']:.2f} on green,\n"
                           f"{result['previous_weight']:.2f} on the previous position")
        bar_axes.title.set_fontsize(9)
        return figure
