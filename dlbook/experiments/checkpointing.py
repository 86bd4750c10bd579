"""Gradient checkpointing {cite:p}`chen2016checkpointing`, measured: memory kept by the forward pass against
the time of recomputing it.

Backward needs what every layer kept in its forward pass (a Linear its input x, a ReLU its mask). Plain
backpropagation keeps all of it until backward has used it, so the activations' memory grows with the
depth L. Checkpointing splits the network into segments, keeps only each segment's input during the
forward pass and drops what the layers kept; in backward it runs each segment's forward again, from its
saved input, just before that segment's backward. With segments of s layers it keeps L / s inputs plus
one segment's caches, for the price of one more forward pass (about a third more arithmetic, since
backward costs about twice the forward). Takes `dl`; the chapter measures memory with tracemalloc, which
sees the NumPy backend's arrays only.
"""


import numpy as np
from threadpoolctl import threadpool_limits

from ..measure import peak_memory_bytes, stopwatch
from ..models import mlp


def deep_mlp(dl, depth=16, width=256, seed=0):
    """A Sequential of `depth` Linear(width, width) layers with a ReLU between each two: 2 depth - 1 layers."""
    return mlp(dl, (width,) * (depth + 1), seed=seed)


def forget(layers):
    """Drop the arrays each layer kept in its forward pass for backward (Linear's x, ReLU's mask): every
    array attribute that is neither a parameter nor a buffer. For Linear and ReLU layers."""
    for layer in layers:
        for name, value in list(vars(layer).items()):
            if isinstance(value, np.ndarray) or type(value).__module__.startswith("torch"):
                setattr(layer, name, None)


def plain_step(model, loss_fn, x, y):
    """Forward, loss, backward, keeping every layer's cache: the ordinary backward pass."""
    loss_fn(model(x), y)
    model.backward(loss_fn.backward())


def checkpointed_step(model, loss_fn, x, y, segment):
    """The same gradients as plain_step, keeping only the input of every `segment` layers during forward
    and recomputing each segment's forward just before its backward."""
    layers = list(model)
    segments = [layers[start:start + segment] for start in range(0, len(layers), segment)]
    inputs, h = [], x
    for layers_in_segment in segments:
        inputs.append(h)                                # the checkpoint: this segment's input
        for layer in layers_in_segment:
            h = layer(h)
        forget(layers_in_segment)
    loss_fn(h, y)
    grad = loss_fn.backward()
    for layers_in_segment, h in zip(reversed(segments), reversed(inputs)):
        for layer in layers_in_segment:                 # recompute: refill this segment's caches
            h = layer(h)
        for layer in reversed(layers_in_segment):
            grad = layer.backward(grad)
        forget(layers_in_segment)


def checkpointing_costs(dl, depth=16, width=256, batch_size=256, segments=(4, 8), repeats=3, seed=0):
    """{segment: {'peak_bytes', 'cpu_seconds', 'max_grad_difference'}} of one training step of deep_mlp,
    plain backward as segment None; the gradient differences are against the plain step's. On one BLAS
    thread: the least disturbed by other programs (as dlbook.experiments.roofline)."""
    with threadpool_limits(limits=1):
        return _costs(dl, depth, width, batch_size, segments, repeats, seed)


def _costs(dl, depth, width, batch_size, segments, repeats, seed):
    model = deep_mlp(dl, depth, width, seed)
    loss_fn = dl.MSELoss()
    rng = np.random.default_rng(seed)
    x = dl.asarray(rng.standard_normal((batch_size, width), dtype=np.float32))
    y = dl.asarray(rng.standard_normal((batch_size, width), dtype=np.float32))
    steps = {None: lambda: plain_step(model, loss_fn, x, y)}
    steps.update({s: (lambda s=s: checkpointed_step(model, loss_fn, x, y, s)) for s in segments})
    results, reference = {}, None
    for segment, step in steps.items():
        model.zero_grad()
        step()                                          # allocates .grad; then measure with it in place
        grads = [dl.to_numpy(p.grad).copy() for p in model.parameters()]
        reference = grads if reference is None else reference
        model.zero_grad(set_to_none=False)
        forget(list(model))
        peak = peak_memory_bytes(step)
        forget(list(model))
        seconds = min(stopwatch(step)[1].cpu for _ in range(repeats))     # the least disturbed CPU time
        forget(list(model))
        difference = max(float(np.abs(g - r).max()) for g, r in zip(grads, reference))
        results[segment] = {"peak_bytes": peak, "cpu_seconds": seconds, "max_grad_difference": difference}
    return results
