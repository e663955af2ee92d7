"""NumPy reference kernels: the readable spec and the test oracle of every compiled kernel."""
