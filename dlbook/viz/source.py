"""Code shown in a chapter: the package's own source, so that the book never shows a copy that drifts."""

import inspect
import re
import textwrap


def show_source(obj):
    """The real source of a dlbook function, class or method, as a syntax-highlighted code block
    (IPython Markdown) - never a copy that could drift from the package. The block's fence is longer
    than any run of backticks in the source, so a docstring that shows Markdown cannot end it early."""
    from IPython.display import Markdown

    source = textwrap.dedent(inspect.getsource(obj))
    where = f"{inspect.getmodule(obj).__name__}.{getattr(obj, '__qualname__', getattr(obj, '__name__', ''))}"
    fence = "`" * max(3, 1 + max((len(run) for run in re.findall("`+", source)), default=0))
    return Markdown(f"*From `{where}`:*\n\n{fence}python\n{source}{fence}")
