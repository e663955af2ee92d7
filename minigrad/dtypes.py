"""The dtypes minigrad uses: NumPy's own.  float32 is the default for floating data."""
import numpy as np

float32 = np.dtype(np.float32)
float64 = np.dtype(np.float64)
float16 = np.dtype(np.float16)
int64 = np.dtype(np.int64)
int32 = np.dtype(np.int32)
bool_ = np.dtype(np.bool_)
long = int64
double = float64

DEFAULT_FLOAT = float32
