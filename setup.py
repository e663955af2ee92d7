"""Build minigrad: the Python packages plus the Cython kernels under kernels/cython_impl/.

The Cython extensions are optional: if they cannot be compiled the install still
succeeds, and the cython backend reports itself unavailable with the reason.
Set MINIGRAD_CYTHON_DEBUG=1 to build with bounds and wraparound checks on; its C goes to
build/cython-debug, so the normal build never reuses it.  A debug build beside the normal one,
as CI runs it (the tests import whichever minigrad comes first on the path):

    MINIGRAD_CYTHON_DEBUG=1 python setup.py build_py build_ext --build-lib DIR --build-temp DIR/tmp
    PYTHONPATH=DIR pytest tests/kernels
"""
import os
import sys
import tempfile

from setuptools import setup
from setuptools.command.build_ext import build_ext

# One dict: extension name -> sources.  Add a kernel family here and nowhere else.
CYTHON_EXTENSIONS = {
    "minigrad.kernels.cython_impl._conv": ["kernels/cython_impl/_conv.pyx"],
    "minigrad.kernels.cython_impl._pool": ["kernels/cython_impl/_pool.pyx"],
    "minigrad.kernels.cython_impl._matmul": ["kernels/cython_impl/_matmul.pyx"],
    "minigrad.kernels.cython_impl._recurrent": ["kernels/cython_impl/_recurrent.pyx"],
    "minigrad.kernels.cython_impl._recurrent_packed": ["kernels/cython_impl/_recurrent_packed.pyx"],
    "minigrad.kernels.cython_impl._optim": ["kernels/cython_impl/_optim.pyx"],
}

PACKAGES = [
    "minigrad",
    "minigrad.autograd",
    "minigrad.ops",
    "minigrad.nn",
    "minigrad.nn.modules",
    "minigrad.optim",
    "minigrad.data",
    "minigrad.viz",
    "minigrad.examples",
    "minigrad.kernels",
    "minigrad.kernels.reference",
    "minigrad.kernels.numba_impl",
    "minigrad.kernels.cython_impl",
]

PACKAGE_DIR = {
    "minigrad": "minigrad",
    "minigrad.examples": "examples",
    "minigrad.kernels": "kernels",
}

DEBUG = os.environ.get("MINIGRAD_CYTHON_DEBUG", "0") not in ("", "0")
BUILD_FAILURE_NOTE = os.path.join("kernels", "cython_impl", "BUILD_FAILED.txt")


def compiler_supports_openmp(compiler) -> bool:
    """Try to compile and link a tiny OpenMP program with the given compiler."""
    with tempfile.TemporaryDirectory() as tmp:
        source = os.path.join(tmp, "omp_check.c")
        with open(source, "w") as f:
            f.write("#include <omp.h>\nint main(void){return omp_get_max_threads() > 0 ? 0 : 1;}\n")
        try:
            objects = compiler.compile([source], output_dir=tmp, extra_postargs=["-fopenmp"])
            compiler.link_executable(objects, os.path.join(tmp, "omp_check"), extra_postargs=["-fopenmp"])
        except Exception:
            return False
    return True


class OptionalBuildExt(build_ext):
    """Build the Cython kernels with OpenMP when possible, serially otherwise, never fatally."""

    def build_extensions(self):
        use_openmp = sys.platform != "win32" and compiler_supports_openmp(self.compiler)
        for ext in self.extensions:
            if use_openmp:
                ext.extra_compile_args += ["-fopenmp"]
                ext.extra_link_args += ["-fopenmp"]
            ext.extra_compile_args += ["-O3"]
        print(f"minigrad: building Cython kernels with OpenMP={'on' if use_openmp else 'off'}, debug={DEBUG}")
        try:
            super().build_extensions()
            if os.path.exists(BUILD_FAILURE_NOTE):
                os.remove(BUILD_FAILURE_NOTE)
        except Exception as exc:  # the pure-Python package must still install
            message = f"Cython kernels failed to build: {type(exc).__name__}: {exc}"
            print("minigrad: WARNING: " + message)
            with open(BUILD_FAILURE_NOTE, "w") as f:
                f.write(message + "\n")


def cython_extensions():
    try:
        import numpy
        from Cython.Build import cythonize
        from setuptools import Extension
    except ImportError as exc:
        with open(BUILD_FAILURE_NOTE, "w") as f:
            f.write(f"Cython kernels not built: {exc}\n")
        return []
    directives = {
        "language_level": 3,
        "boundscheck": DEBUG,
        "wraparound": DEBUG,
        "initializedcheck": DEBUG,
        "cdivision": not DEBUG,
    }
    extensions = [
        Extension(name, sources, include_dirs=[numpy.get_include(), os.path.dirname(sources[0])],
                  define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")])
        for name, sources in CYTHON_EXTENSIONS.items()
        if all(os.path.exists(s) for s in sources)
    ]
    try:
        # the kernels cimport their shared .pxd files (_blas, _recurrent_cells) by plain name
        return cythonize(extensions, compiler_directives=directives, quiet=True, force=DEBUG,
                         build_dir=os.path.join("build", "cython-debug") if DEBUG else None,
                         include_path=[os.path.join("kernels", "cython_impl")])
    except Exception as exc:  # e.g. a missing .pxd: the pure-Python package must still install
        message = f"Cython kernels not translated to C: {type(exc).__name__}: {exc}"
        print("minigrad: WARNING: " + message)
        with open(BUILD_FAILURE_NOTE, "w") as f:
            f.write(message + "\n")
        return []


setup(
    packages=PACKAGES,
    package_dir=PACKAGE_DIR,
    package_data={"minigrad.kernels.cython_impl": ["*.pyx", "*.pxd", "*.h"], "minigrad.data": ["files/*"],
                  "minigrad.examples": ["data/*"]},
    ext_modules=cython_extensions(),
    cmdclass={"build_ext": OptionalBuildExt},
    zip_safe=False,
)
