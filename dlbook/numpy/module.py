"""Module, Parameter and Sequential of the NumPy backend, modelled on torch.nn.

A Module registers the Parameters, buffers and sub-modules assigned to it, so
that parameters(), named_parameters() and state_dict() walk the tree with the
same names as torch.nn (`0.weight`, `2.running_mean`, ...). Every layer writes
forward(x) and backward(dy) by hand: backward adds dL/dparameter into
`param.grad` and returns dL/dx.

Calling a layer checks its arguments (NumPy arrays, not lists or torch tensors) and records that a
forward ran; Module wraps every subclass's backward (`__init_subclass__`) so that it runs once per
forward, as torch frees its graph after one backward, and gets dL/dy of the output's shape. The layers'
own forward and backward hold only their maths.
"""

import functools
from collections import OrderedDict, namedtuple
from collections.abc import Mapping

import numpy as np

from ..core.errors import (
    BACKWARD_DONE,
    NO_FORWARD,
    check_array,
    check_backward_ready,
    check_each_layer_once,
    check_grad_out,
)
from .tensor import asarray

_IN_BACKWARD = "in backward"         # a backward is running (a subclass's backward may call super's)
_ANY_SHAPE = "any shape"             # the last forward returned a tuple: the layer checks its gradients itself


def _check_backward_call(layer, state, grad_out):
    """Every check of a backward call, each raising clearly: a forward ran and its backward has not
    (check_backward_ready); grad_out is a NumPy array (or a number, as losses take 1.0, or None where a
    recurrent layer takes no gradient) of the output's shape."""
    if type(state) is not tuple:
        check_backward_ready(layer, state)
    if grad_out is None:
        return
    if type(grad_out) is not np.ndarray and not isinstance(grad_out, (int, float, np.generic)):
        check_array(layer, grad_out, np.ndarray, "a NumPy array", what="grad_out")
    if state is not _ANY_SHAPE:
        check_grad_out(layer, grad_out, state)


def _once_per_forward(backward):
    """backward, checked (_check_backward_call) and run once per forward: its first argument is grad_out."""

    @functools.wraps(backward)
    def checked_backward(self, *args, **kwargs):
        attributes = self.__dict__
        state = attributes.get("_graph", NO_FORWARD)         # the output's shape after a forward
        if state is _IN_BACKWARD:                            # super().backward(...) inside a backward
            return backward(self, *args, **kwargs)
        grad_out = args[0] if args else kwargs.get("grad_out", 1.0)
        if type(grad_out) is not np.ndarray or grad_out.shape != state:     # the common case skips the checks
            _check_backward_call(self, state, grad_out)
        attributes["_graph"] = _IN_BACKWARD
        try:
            grad_in = backward(self, *args, **kwargs)
        except BaseException:
            attributes["_graph"] = state                     # not consumed: a corrected call may follow
            raise
        attributes["_graph"] = BACKWARD_DONE
        return grad_in

    checked_backward.once_per_forward = True
    return checked_backward


IncompatibleKeys = namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])


class Parameter:
    """A learnable array: `.data` (the values) and `.grad` (dL/d data, None until backward).

    `.requires_grad` (True): False freezes it, as torch: backward leaves its .grad alone (None after
    zero_grad), and optimizers skip a parameter whose .grad is None."""

    __slots__ = ("data", "grad", "requires_grad")

    def __init__(self, data=None, requires_grad=True):
        self.data = asarray(np.empty(0) if data is None else data)
        self.grad = None
        self.requires_grad = requires_grad

    def accumulate_grad(self, grad):
        """grad += dL/d(this parameter), as torch accumulates across backward calls."""
        if not self.requires_grad:
            return
        if self.grad is None:
            self.grad = np.array(grad, dtype=self.data.dtype)
        else:
            self.grad += grad

    def requires_grad_(self, requires_grad=True):
        """Freeze (False) or unfreeze (True) this parameter in place, as torch's; returns it."""
        self.requires_grad = bool(requires_grad)
        return self

    shape = property(lambda self: self.data.shape)
    ndim = property(lambda self: self.data.ndim)
    dtype = property(lambda self: self.data.dtype)

    def numel(self):
        return self.data.size

    def __repr__(self):
        return f"Parameter containing:\n{self.data!r}"


class Module:
    """Base class of every layer, loss and model, as torch.nn.Module."""

    def __init_subclass__(cls, **kwargs):
        """Every backward a subclass defines (or inherits from a spec) runs once per forward."""
        super().__init_subclass__(**kwargs)
        if not getattr(cls.backward, "once_per_forward", False):
            cls.backward = _once_per_forward(cls.backward)

    def __init__(self):
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_modules", OrderedDict())
        object.__setattr__(self, "training", True)

    # --- registration -------------------------------------------------------------------------

    def __setattr__(self, name, value):
        """Parameters, buffers and sub-modules go into their registry (which orders and names them) and, as
        every attribute, into the instance's __dict__, so that reading self.weight is a plain lookup."""
        attributes = self.__dict__
        if "_parameters" not in attributes:
            raise AttributeError(f"call Module.__init__() before assigning {name!r} in {type(self).__name__}")
        params, buffers, modules = attributes["_parameters"], attributes["_buffers"], attributes["_modules"]
        if isinstance(value, (Parameter, Module)):
            for registry in (params, buffers, modules):
                registry.pop(name, None)
            (params if isinstance(value, Parameter) else modules)[name] = value
        elif name in params or name in modules:
            if value is not None:
                kind = "Parameter" if name in params else "Module"
                raise TypeError(f"cannot assign {type(value).__name__} as {kind} {name!r} (a {kind} or None)")
            (params if name in params else modules)[name] = None
        elif name in buffers:
            buffers[name] = value
        else:
            object.__setattr__(self, name, value)
            return
        attributes[name] = value

    def __getattr__(self, name):                    # a registered name missing from __dict__ (not set by setattr)
        attributes = self.__dict__
        if "_parameters" in attributes:
            parameters, buffers, modules = attributes["_parameters"], attributes["_buffers"], attributes["_modules"]
            if name in parameters:
                return parameters[name]
            if name in buffers:
                return buffers[name]
            if name in modules:
                return modules[name]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def __delattr__(self, name):
        for registry in (self._parameters, self._buffers, self._modules):
            if name in registry:
                del registry[name]
                self.__dict__.pop(name, None)
                return
        object.__delattr__(self, name)

    def register_buffer(self, name, tensor, persistent=True):
        """A state array that is not learned (e.g. running_mean); kept in state_dict."""
        self._buffers[name] = self.__dict__[name] = tensor
        if not persistent:
            self.__dict__.setdefault("_non_persistent", set()).add(name)

    def register_parameter(self, name, param):
        if param is None:
            self._parameters[name] = self.__dict__[name] = None
        else:
            setattr(self, name, param)

    def _add_parameter(self, name, values):
        """The spec's hook (dlbook.core.specs): `values` (a NumPy array, or None) as Parameter `name`, in the
        default dtype; None registers the name without a value, as torch."""
        self.register_parameter(name, None if values is None else Parameter(asarray(values)))

    def _add_buffer(self, name, values):
        """The spec's hook: `values` (array-like, or None) as buffer `name` (floats in the default dtype)."""
        self.register_buffer(name, None if values is None else asarray(values))

    def add_module(self, name, module):
        self._modules[name] = self.__dict__[name] = module

    # --- walking the tree ---------------------------------------------------------------------

    def named_modules(self, memo=None, prefix="", remove_duplicate=True):
        memo = set() if memo is None else memo
        if remove_duplicate:
            if id(self) in memo:
                return
            memo.add(id(self))
        yield prefix, self
        for name, module in self._modules.items():
            if module is not None:
                child_prefix = f"{prefix}.{name}" if prefix else name
                yield from module.named_modules(memo, child_prefix, remove_duplicate)

    def modules(self):
        for _, module in self.named_modules():
            yield module

    def named_children(self):
        for name, module in self._modules.items():
            if module is not None:
                yield name, module

    def children(self):
        for _, module in self.named_children():
            yield module

    def _named_members(self, registry, prefix, recurse, remove_duplicate=True):
        if recurse:
            modules = self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate)
        else:
            modules = [(prefix, self)]
        seen = set()
        for module_prefix, module in modules:
            for name, value in getattr(module, registry).items():
                if value is None or (remove_duplicate and id(value) in seen):
                    continue
                seen.add(id(value))
                yield (f"{module_prefix}.{name}" if module_prefix else name), value

    def named_parameters(self, prefix="", recurse=True, remove_duplicate=True):
        yield from self._named_members("_parameters", prefix, recurse, remove_duplicate)

    def parameters(self, recurse=True):
        for _, param in self.named_parameters(recurse=recurse):
            yield param

    def named_buffers(self, prefix="", recurse=True):
        yield from self._named_members("_buffers", prefix, recurse)

    def buffers(self, recurse=True):
        for _, buffer in self.named_buffers(recurse=recurse):
            yield buffer

    # --- modes and gradients ------------------------------------------------------------------

    def train(self, mode=True):
        """Training mode (dropout active, batch norm uses batch statistics); returns self."""
        for module in self.modules():
            object.__setattr__(module, "training", bool(mode))
        return self

    def eval(self):
        return self.train(False)

    def zero_grad(self, set_to_none=True):
        """Forget the accumulated gradients (None, as torch, or zeros)."""
        for param in self.parameters():
            if set_to_none or param.grad is None:
                param.grad = None
            else:
                param.grad.fill(0)

    def requires_grad_(self, requires_grad=True):
        """Freeze (False) or unfreeze every parameter of the module and its children, as torch; returns self.
        Typical reuse: model[0].requires_grad_(False) keeps a pretrained first layer as it is."""
        for param in self.parameters():
            param.requires_grad_(requires_grad)
        return self

    def _cast(self, dtype):
        for module in self.modules():
            for param in module._parameters.values():
                if param is not None:
                    param.data = param.data.astype(dtype)
                    param.grad = None if param.grad is None else param.grad.astype(dtype)
            for name, buffer in module._buffers.items():
                if buffer is not None and buffer.dtype.kind == "f":
                    module._buffers[name] = module.__dict__[name] = buffer.astype(dtype)
        return self

    def double(self):
        """Cast parameters and floating buffers to float64 (as torch), in place; returns self."""
        return self._cast(np.float64)

    def float(self):
        return self._cast(np.float32)

    def to(self, *args, **kwargs):
        """NumPy arrays live on the CPU; a dtype argument casts, anything else is accepted as is."""
        for arg in list(args) + [kwargs.get("dtype")]:
            if arg is not None and "float" in str(arg):
                return self._cast(np.dtype(str(arg).replace("torch.", "")))
        return self

    # --- state --------------------------------------------------------------------------------

    def state_dict(self, *args, destination=None, prefix="", keep_vars=False):
        """OrderedDict of name -> array, with torch.nn's keys (the arrays themselves, not copies).

        Positional arguments (deprecated in torch) are read in torch's order:
        destination, prefix, keep_vars."""
        if args:
            destination, prefix, keep_vars = (*args, *(destination, prefix, keep_vars)[len(args):])
        state = OrderedDict() if destination is None else destination
        for name, module in self.named_modules(prefix=prefix.rstrip(".")):
            dot = f"{name}." if name else ""
            for key, param in module._parameters.items():
                if param is not None:
                    state[dot + key] = param if keep_vars else param.data
            non_persistent = module.__dict__.get("_non_persistent", set())
            for key, buffer in module._buffers.items():
                if buffer is not None and key not in non_persistent:
                    state[dot + key] = buffer
        return state

    def load_state_dict(self, state_dict, strict=True, assign=False):
        """Copy arrays (NumPy, torch tensors, lists) into this module's parameters and buffers, in place.

        As torch: every value whose shape matches is copied; then one RuntimeError lists every missing
        and unexpected key (strict=True only) and every shape mismatch (always), naming each key.
        Returns (missing_keys, unexpected_keys)."""
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"Expected state_dict to be dict-like, got {type(state_dict)}.")
        own = self.state_dict(keep_vars=True)
        missing = [key for key in own if key not in state_dict]
        unexpected = [key for key in state_dict if key not in own]
        errors = []
        for key, target in own.items():
            if key not in state_dict:
                continue
            target_array = target.data if isinstance(target, Parameter) else target
            try:
                value = np.asarray(asarray(state_dict[key], dtype=target_array.dtype))
            except (TypeError, ValueError):
                errors.append(f'While copying the parameter named "{key}", expected an array from checkpoint '
                              f"but received {type(state_dict[key])}")
                continue
            if value.shape != target_array.shape:
                errors.append(f"size mismatch for {key}: copying a param with shape {value.shape} from checkpoint, "
                              f"the shape in current model is {target_array.shape}.")
                continue
            target_array[...] = value
        if strict:
            if unexpected:
                errors.insert(0, "Unexpected key(s) in state_dict: " + ", ".join(f'"{k}"' for k in unexpected) + ". ")
            if missing:
                errors.insert(0, "Missing key(s) in state_dict: " + ", ".join(f'"{k}"' for k in missing) + ". ")
        if errors:
            raise RuntimeError(f"Error(s) in loading state_dict for {type(self).__name__}:\n\t" + "\n\t".join(errors))
        return IncompatibleKeys(missing, unexpected)

    # --- calling ------------------------------------------------------------------------------

    def __call__(self, *args, **kwargs):
        """forward(*args), after checking that the arrays given are NumPy arrays; records the output's
        shape for backward (its graph state: see _once_per_forward)."""
        for value in args:
            if type(value) is not np.ndarray:
                check_array(self, value, np.ndarray, "a NumPy array")
        attributes = self.__dict__
        attributes["_graph"] = NO_FORWARD
        output = self.forward(*args, **kwargs)
        if type(output) is np.ndarray:
            attributes["_graph"] = output.shape
        else:
            attributes["_graph"] = _ANY_SHAPE if isinstance(output, tuple) else getattr(output, "shape", ())
        return output

    def forward(self, *input):
        raise NotImplementedError(f"{type(self).__name__} has no forward")

    def backward(self, grad_out):
        """Given dL/d(output), add dL/d(parameters) into .grad and return dL/d(input)."""
        raise NotImplementedError(f"{type(self).__name__} has no backward")

    def extra_repr(self):
        return ""

    def short_repr(self):
        """The name error messages use: the class and its main arguments, e.g. Linear(64, 32)."""
        return f"{type(self).__name__}({self.extra_repr()})"

    def __repr__(self):
        children = [f"  ({name}): " + repr(module).replace("\n", "\n  ") for name, module in self.named_children()]
        if not children:
            return f"{type(self).__name__}({self.extra_repr()})"
        return f"{type(self).__name__}(\n" + "\n".join(children) + "\n)"


class Sequential(Module):
    """Modules applied in order: forward left to right, backward right to left.

    Children are named '0', '1', ... so state_dict keys equal torch.nn.Sequential's."""

    def __init__(self, *args):
        super().__init__()
        for index, module in enumerate(args):
            self.add_module(str(index), module)

    def forward(self, input):
        for module in self._modules.values():
            input = module(input)
        return input

    def backward(self, grad_out):                  # dL/dy flows back through every layer
        check_each_layer_once(self, self._modules.values())
        for module in reversed(self._modules.values()):
            grad_out = module.backward(grad_out)
        return grad_out

    def short_repr(self):
        return "Sequential"

    def append(self, module):
        self.add_module(str(len(self)), module)
        return self

    def __getitem__(self, index):
        modules = list(self._modules.values())
        if isinstance(index, slice):
            return Sequential(*modules[index])
        return modules[index]

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())
