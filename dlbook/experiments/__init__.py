"""The chapters' experiments, one module per thing studied, named for what it studies.

Each takes the backend `dl` (or NumPy arrays) as an argument and imports no backend itself; an
explorer in `dlbook.widgets` that draws an experiment has the experiment's name."""
