"""The gradient-flow explorer: sequence length T and recurrent weight scale -> ||dh_T / dh_t|| for every t.

A tanh RNN with H = 32 units reads T steps of a fixed random input. Its recurrent weights are
W_hh = scale * Q, Q a random orthogonal matrix, so that ||W_hh|| = spectral radius = scale. The gradient
of anything computed from h_T reaches h_t through the product of T - t factors diag(tanh'(a_s)) W_hh
(dlbook.experiments.gradients_through_time): it vanishes exponentially for scale < 1 and can explode for
scale > 1, where the state stays near 0 and tanh' ~ 1. Since tanh' <= 1, scale^(T - t) (dashed) bounds it from above.

The states come from the NumPy reference's own RNN (dlbook.numpy, which never imports torch), the norms
from the closed form, in NumPy. Everything is seeded: the same sliders give the same picture.
"""

import numpy as np

from .. import numpy as reference
from ..experiments.gradients_through_time import jacobian_norms_from_states, orthogonal_recurrent_weights
from .explorer import Explorer
from .reference_dtype import float64

HIDDEN_SIZE = 32
INPUT_WEIGHT_SCALE = 0.1                # small inputs keep the state near 0, where tanh' ~ 1
MAX_STEPS = 40
Y_LIMITS = (1e-16, 1e8)                 # the same axes in every frame, so that moving a slider moves the curve
Y_TICKS = 10.0 ** np.arange(-16, 9, 4)
Y_TICK_LABELS = [f"1e{exponent:d}" if exponent else "1" for exponent in range(-16, 9, 4)]   # plain text: fast
_INPUTS = np.random.default_rng(1).standard_normal((1, MAX_STEPS, 1))              # x_1 .. x_40, one sequence
_INPUT_WEIGHTS = INPUT_WEIGHT_SCALE * np.random.default_rng(2).standard_normal((HIDDEN_SIZE, 1))


def tanh_rnn(scale):
    """A float64 dlbook.numpy.RNN(1, 32) with W_hh = scale * Q (Q orthogonal, seeded), W_ih = 0.1 N(0, 1),
    no bias."""
    with float64():
        rnn = reference.RNN(1, HIDDEN_SIZE, bias=False, seed=0)
    rnn.load_state_dict({"weight_ih_l0": _INPUT_WEIGHTS,
                         "weight_hh_l0": orthogonal_recurrent_weights(HIDDEN_SIZE, scale, seed=0)})
    return rnn


def gradient_norms_through_time(steps, scale):
    """||dh_T / dh_t||_2 for t = 0..T (T = steps) of tanh_rnn(scale) on the first T inputs: (T + 1,)."""
    rnn = tanh_rnn(scale)
    out, _ = rnn(_INPUTS[:, :steps])                                  # h_1 .. h_T, float64
    states = np.concatenate([np.zeros((1, HIDDEN_SIZE)), out[0]])      # h_0 .. h_T
    return jacobian_norms_from_states(rnn.weight_hh_l0.data, states)


class GradientFlowExplorer(Explorer):
    """Move the sequence length and the recurrent weight scale; watch ||dh_T / dh_t|| vanish or explode."""

    TITLE = "Gradients through time in a tanh RNN"
    GRID = {
        "steps": [10, 20, 40],
        "scale": [0.5, 0.8, 1.0, 1.2, 1.5],
    }
    LABELS = {"steps": "sequence length T", "scale": "recurrent weight scale ||W_hh||"}
    DEFAULTS = {"steps": 40, "scale": 0.8}
    FIGSIZE = (7.2, 3.3)

    def compute(self, steps, scale):
        """{'t': (T + 1,) steps 0..T, 'norms': ||dh_T/dh_t||, 'bound': scale^(T - t),
        'first': ||dh_T/dh_0||}."""
        t = np.arange(steps + 1)
        norms = gradient_norms_through_time(steps, scale)
        return {"t": t, "norms": norms, "bound": float(scale) ** (steps - t), "first": float(norms[0])}

    def render(self, result, steps, scale):
        figure, axes = self.new_figure()
        figure.subplots_adjust(left=0.11, right=0.97, bottom=0.16, top=0.88)
        t = result["t"]
        axes.axhline(1.0, color="0.8", linewidth=1)
        axes.semilogy(t, result["bound"], "--", color="0.5", linewidth=1, label=f"bound {scale:g}^(T - t)")
        axes.semilogy(t, result["norms"], "o-", color="tab:blue", markersize=3, linewidth=1.5,
                      label="||dh_T / dh_t||")
        axes.set_yticks(Y_TICKS, Y_TICK_LABELS)
        axes.minorticks_off()
        axes.set(xlim=(0, MAX_STEPS), ylim=Y_LIMITS, xlabel="step t", ylabel="gradient norm (log scale)",
                 title=f"T = {steps}, ||W_hh|| = {scale:g}: ||dh_T / dh_0|| = {result['first']:.1e}")
        axes.legend(loc="lower right", fontsize=9, frameon=False)
        return figure
