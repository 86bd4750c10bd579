"""The sampling explorer: temperature and top-k -> the next-character distribution after a fixed prompt,
and a continuation drawn from it.

The model is the chapter's MLP language model (dlbook.models.mlp_language_model, after Bengio et al.,
2003), small: the last 6 characters, embeddings of 12, 64 tanh units. It is trained once, on 40 000
windows of the Tiny Shakespeare training text, with the NumPy reference (dlbook.numpy, which never
imports torch) and cached (about a second). Every frame reads the same logits after the prompt:

    p = softmax(keep_top_k(logits) / temperature)        dlbook.text.next_token_distribution

temperature 0 puts all the probability on the argmax (greedy); top-k keeps the k likeliest characters.
The continuation is drawn by dlbook.experiments.language_models.generate with seed 0 in every frame, so
that moving a slider changes only the distribution each character is drawn from.
"""

import functools
import textwrap

import numpy as np

from .. import numpy as reference
from ..data import tiny_shakespeare_split
from ..experiments.language_models import context_windows, generate, next_token_logits, train_language_model
from ..models import mlp_language_model
from ..text import CharTokenizer, next_token_distribution
from .explorer import Explorer

CONTEXT_LENGTH, EMBEDDING_DIM, HIDDEN_SIZE = 6, 12, 64
TRAINING_CHARACTERS, TRAINING_WINDOWS = 200_000, 40_000
PROMPT = "ROMEO:\nI will "
CONTINUATION = 60                   # characters drawn after the prompt
TOP_BARS = 12                       # the likeliest characters shown as bars


@functools.cache
def explorer_model():
    """(tokenizer, model): the small MLP language model, trained once with the NumPy reference, seeded."""
    train_text, _ = tiny_shakespeare_split()
    tokenizer = CharTokenizer(train_text)
    X, Y = context_windows(tokenizer.encode(train_text[:TRAINING_CHARACTERS]), CONTEXT_LENGTH)
    model = mlp_language_model(reference, tokenizer.vocab_size, CONTEXT_LENGTH, EMBEDDING_DIM, HIDDEN_SIZE, seed=0)
    train_language_model(model, X, Y, epochs=1, batch_size=256, lr=3e-3, max_examples=TRAINING_WINDOWS, seed=0)
    return tokenizer, model


def shown(character):
    """A character as a bar label: the space and the newline made visible."""
    return {" ": "sp", "\n": "nl"}.get(character, character)


class SamplingExplorer(Explorer):
    """Move the temperature and top-k; watch the next-character distribution and a seeded sample change."""

    TITLE = "Sampling a character language model: temperature and top-k"
    GRID = {
        "temperature": [0.0, 0.5, 1.0, 1.5, 2.0],
        "top_k": [1, 5, 20, "all"],
    }
    LABELS = {"temperature": "temperature", "top_k": "top-k"}
    DEFAULTS = {"temperature": 1.0, "top_k": "all"}
    FIGSIZE = (8.4, 3.2)

    def compute(self, temperature, top_k):
        """{'probabilities': (V,) p of the next character after PROMPT, 'characters': the vocabulary,
        'support': how many characters have p > 0, 'continuation': the sampled text after PROMPT}."""
        tokenizer, model = explorer_model()
        k = None if top_k == "all" else top_k
        prompt_ids = tokenizer.encode(PROMPT)
        logits = next_token_logits(model, prompt_ids[-CONTEXT_LENGTH:])
        probabilities = next_token_distribution(logits, temperature, k)
        ids = generate(model, prompt_ids, CONTINUATION, CONTEXT_LENGTH, temperature, k, seed=0)
        return {"probabilities": probabilities, "characters": tokenizer.vocabulary,
                "support": int((probabilities > 0).sum()),
                "continuation": tokenizer.decode(ids[len(prompt_ids):])}

    def render(self, result, temperature, top_k):
        figure, (bars, text) = self.new_figure(ncols=2)
        figure.subplots_adjust(left=0.08, right=0.98, bottom=0.14, top=0.8, wspace=0.12)
        probabilities = result["probabilities"]
        top = np.argsort(-probabilities, kind="stable")[:TOP_BARS]
        bars.bar(np.arange(len(top)), probabilities[top], color="tab:blue")
        bars.set_xticks(np.arange(len(top)), [shown(result["characters"][i]) for i in top])
        bars.set(ylim=(0, 1), xlabel="next character (the 12 likeliest)", ylabel="probability",
                 title=f"p(next character): {result['support']} of {len(probabilities)} with p > 0")
        text.axis("off")
        lines = [textwrap.fill(line, 40) for line in (PROMPT + result["continuation"]).split("\n")]
        text.text(0, 1, "\n".join(lines), va="top", ha="left", family="monospace", fontsize=9,
                  transform=text.transAxes)
        text.set_title(f"{CONTINUATION} characters drawn (seed 0)")
        figure.suptitle(f"temperature {temperature:g}, top-k {top_k}", fontsize=11)
        return figure
