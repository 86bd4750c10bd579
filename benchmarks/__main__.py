"""`python -m benchmarks [--threads N] [--repeats R]`: print the NumPy / torch-CPU table."""

import argparse

from . import attention, dense, gpt, sequence, spatial
from .timing import format_table, same_threads


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--threads", type=int, default=1, help="threads for both NumPy's BLAS and torch")
    parser.add_argument("--repeats", type=int, default=7, help="interleaved repeats (the median is reported)")
    args = parser.parse_args()
    with same_threads(args.threads):
        rows = (dense.run(args.repeats) + spatial.run(args.repeats) + sequence.run(args.repeats)
                + attention.run(args.repeats) + gpt.run(args.repeats))
    print(format_table(rows, args.threads, args.repeats))


if __name__ == "__main__":
    main()
