import os

# scikit-learn's array API check (with NumPy input) only runs when SciPy's
# array API support is switched on, which must happen before SciPy is imported.
os.environ.setdefault("SCIPY_ARRAY_API", "1")
