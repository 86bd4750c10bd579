"""How layers describe themselves, shared by both backends: torch-like reprs (extra_repr) and the
short names error messages use (short_repr, e.g. `Linear(64, 32)`), plus the settable learning rate
of optimizers. Mixins only: they read the layer's attributes and compute nothing, so each backend's
layers stay independent implementations of the maths."""

from .windows import compact


class LinearDescription:
    def extra_repr(self):
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"

    def short_repr(self):
        return f"Linear({self.in_features}, {self.out_features})"


class BatchNormDescription:
    def extra_repr(self):
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
                f"track_running_stats={self.track_running_stats}")

    def short_repr(self):
        return f"{type(self).__name__}({self.num_features})"


class ConvDescription:
    def extra_repr(self):
        text = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding != (0, 0):
            text += f", padding={self.padding}"
        return text + ("" if self.bias is not None else ", bias=False")

    def short_repr(self):
        text = f"Conv2d({self.in_channels}, {self.out_channels}, kernel_size={compact(self.kernel_size)}"
        if self.stride != (1, 1):
            text += f", stride={compact(self.stride)}"
        if self.padding != (0, 0):
            text += f", padding={compact(self.padding)}"
        return text + ")"


class PoolDescription:
    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"

    def short_repr(self):
        text = f"{type(self).__name__}(kernel_size={compact(self.kernel_size)}"
        if self._stride != self._kernel:
            text += f", stride={compact(self.stride)}"
        if self._padding != (0, 0):
            text += f", padding={compact(self.padding)}"
        return text + ")"


class RecurrentDescription:
    def extra_repr(self):
        text = f"{self.input_size}, {self.hidden_size}"
        if self.num_layers != 1:
            text += f", num_layers={self.num_layers}"
        if not self.bias:
            text += ", bias=False"
        return text + f", batch_first={self.batch_first}"

    def short_repr(self):
        layers = f", num_layers={self.num_layers}" if self.num_layers != 1 else ""
        return f"{type(self).__name__}({self.input_size}, {self.hidden_size}{layers})"


REDUCTIONS = ("mean", "sum", "none")


class LossDescription:
    def _set_reduction(self, reduction):
        if reduction not in REDUCTIONS:
            raise ValueError(f"{type(self).__name__}: reduction must be one of {REDUCTIONS}, got {reduction!r}")
        self.reduction = reduction

    def extra_repr(self):
        return f"reduction={self.reduction!r}" if self.reduction != "mean" else ""


class SettableLR:
    """`optimizer.lr`: the learning rate eta of the first param group; setting it sets every group's."""

    @property
    def lr(self):
        return self.param_groups[0]["lr"]

    @lr.setter
    def lr(self, value):
        for group in self.param_groups:
            group["lr"] = value
