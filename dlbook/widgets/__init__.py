"""Explorers: sliders that move a picture, live in JupyterLab and static in the built book.

The only package of dlbook that imports ipywidgets (lazily, in Explorer.live)."""

from .activation_slopes import ActivationExplorer
from .backprop import BackpropExplorer
from .compression import CompressionExplorer
from .convolution import ConvolutionExplorer
from .explorer import Explorer
from .feature_scaling import ScalingExplorer
from .generative_models import LatentSpaceExplorer, ReverseDiffusionExplorer
from .gradients_through_time import GradientFlowExplorer
from .initialization import InitializationExplorer
from .language_models import SamplingExplorer
from .linear_regression import BatchSizeExplorer
from .optimizers import LRExplorer
from .q_learning import QLearningExplorer
from .regularization import RegularizationExplorer
from .reuse import AugmentationExplorer
from .roofline import RooflineExplorer
from .training_time import TrainingTimeExplorer
from .transformers import AttentionExplorer
from .universal_approximation import WidthExplorer

__all__ = ["Explorer", "LRExplorer"]
__all__ += ["ActivationExplorer"]
__all__ += ["BackpropExplorer"]
__all__ += ["ConvolutionExplorer"]
__all__ += ["CompressionExplorer"]
__all__ += ["ScalingExplorer"]
__all__ += ["RegularizationExplorer"]
__all__ += ["GradientFlowExplorer"]
__all__ += ["InitializationExplorer"]
__all__ += ["QLearningExplorer"]
__all__ += ["AttentionExplorer"]
__all__ += ["SamplingExplorer"]
__all__ += ["AugmentationExplorer"]
__all__ += ["LatentSpaceExplorer", "ReverseDiffusionExplorer"]
__all__ += ["WidthExplorer"]
__all__ += ["BatchSizeExplorer"]
__all__ += ["RooflineExplorer"]
__all__ += ["TrainingTimeExplorer"]
