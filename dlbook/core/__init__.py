"""What both backends share and neither computes with: clear errors and input checks (errors), one
spec per layer holding its constructor arguments, validation, repr and state names (specs), the
sliding-window geometry of the spatial layers (windows), and the initial-weight draws from a NumPy
Generator that make one seed give the same weights on both backends (init)."""
