"""A model's state as NumPy arrays: copied out of a model of either backend, loaded back into either.

    state = numpy_state(model)          # {name: NumPy array}, a copy: later training does not change it
    load_numpy_state(other, state)      # the same weights in another model (either backend), in place

The keys are torch.nn's state_dict keys, so a state also loads into a plain torch.nn model (through
torch.as_tensor), and numpy_state reads a plain torch.nn model's state too. Imports no backend.
"""

import numpy as np


def as_numpy_copy(value):
    """A NumPy copy of one state entry: a NumPy array, or a torch tensor (detached, moved to the CPU)."""
    if hasattr(value, "detach"):                      # a torch tensor, of any device
        value = value.detach().cpu().numpy()
    return np.array(value, copy=True)


def numpy_state(model):
    """A copy of model.state_dict() as NumPy arrays {name: array}: a model of either dlbook backend, or
    a plain torch.nn.Module."""
    return {name: as_numpy_copy(value) for name, value in model.state_dict().items()}


def load_numpy_state(model, state):
    """Copy a state {name: NumPy array} into model (either backend), in place; returns model."""
    model.load_state_dict(state)
    return model
