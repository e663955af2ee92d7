"""Bundled real data sets (no network) and readers for the course's stock files.

scikit-learn's small sets (digits, iris, breast cancer) ship inside scikit-learn; vega_datasets'
``stocks`` and ``seattle-weather`` ship inside vega_datasets and are read through ``local_data``
(its ``data`` object would download).  The course's ``data_stocks.csv`` is not bundled: pass its
path, or get a clearly labelled synthetic frame of the same format (see ``synthetic.py``).
"""
from __future__ import annotations

import os
import warnings
from dataclasses import dataclass, field

import numpy as np

from .dataset import TensorDataset
from .synthetic import synthetic_ohlcv, synthetic_stocks

OHLCV = ["open", "high", "low", "close", "volume"]


@dataclass
class LabeledArrays:
    """Features ``X`` (float32) and class labels ``y`` (int64); unpacks as ``X, y = load_iris()``."""

    X: np.ndarray
    y: np.ndarray
    feature_names: list = field(default_factory=list)
    target_names: list = field(default_factory=list)
    name: str = ""

    def __iter__(self):
        return iter((self.X, self.y))

    @property
    def num_classes(self) -> int:
        return len(self.target_names) or int(self.y.max()) + 1

    def dataset(self) -> TensorDataset:
        return TensorDataset(self.X, self.y)

    def __repr__(self) -> str:
        return (f"LabeledArrays({self.name}: X {self.X.shape} {self.X.dtype}, y {self.y.shape} {self.y.dtype}, "
                f"{self.num_classes} classes)")


def _sklearn_set(loader, name: str) -> LabeledArrays:
    bunch = loader()
    return LabeledArrays(np.asarray(bunch.data, dtype=np.float32), np.asarray(bunch.target, dtype=np.int64),
                         list(bunch.feature_names), [str(t) for t in bunch.target_names], name)


def load_digits(as_images: bool = False) -> LabeledArrays:
    """scikit-learn's 1797 8×8 handwritten digits, pixel values 0..16: X [1797, 64], or
    [1797, 1, 8, 8] (N, C, H, W) with ``as_images=True``; y in 0..9."""
    from sklearn import datasets

    data = _sklearn_set(datasets.load_digits, "digits")
    if as_images:
        data.X = data.X.reshape(-1, 1, 8, 8)
    return data


def load_iris() -> LabeledArrays:
    """scikit-learn's iris: X [150, 4] (cm), y in 0..2."""
    from sklearn import datasets

    return _sklearn_set(datasets.load_iris, "iris")


def load_breast_cancer() -> LabeledArrays:
    """scikit-learn's Wisconsin breast cancer: X [569, 30], y 0 = malignant, 1 = benign."""
    from sklearn import datasets

    return _sklearn_set(datasets.load_breast_cancer, "breast_cancer")


# ----------------------------------------------------------------- vega_datasets (local files) ---
def _vega_local(name: str):
    """A DataFrame from vega_datasets' bundled copy of ``name``; never the network."""
    from vega_datasets import local_data

    if name not in local_data.list_datasets():
        raise FileNotFoundError(f"vega_datasets has no bundled copy of {name!r}; bundled: "
                                f"{local_data.list_datasets()}")
    loader = getattr(local_data, name.replace("-", "_"))
    # Dataset.raw() falls back to a download when the local copy is missing: check first.
    if not loader.is_local or not os.path.exists(loader.filepath):
        raise FileNotFoundError(f"vega_datasets' bundled file for {name!r} is missing: {loader.filepath}")
    frame = loader(use_local=True)
    frame.attrs.update(synthetic=False, label=f"vega_datasets {name!r} (bundled file {loader.filepath})")
    return frame


def load_vega_stocks(dropna: bool = False):
    """Monthly prices of AAPL, AMZN, GOOG, IBM and MSFT, 2000-2010, one column per symbol (the
    long symbol/date/price file pivoted to wide).  GOOG starts in 2004: NaN before, unless
    ``dropna`` keeps only the months where every symbol has a price."""
    long = _vega_local("stocks")
    wide = long.pivot(index="date", columns="symbol", values="price")
    wide.columns.name = None
    if dropna:
        wide = wide.dropna()
    wide.attrs.update(long.attrs)
    return wide


def load_seattle_weather():
    """Daily Seattle weather 2012-2015 indexed by date: precipitation, temp_max, temp_min, wind,
    and the ``weather`` label (drizzle, rain, sun, snow, fog)."""
    frame = _vega_local("seattle-weather")
    attrs = dict(frame.attrs)
    frame = frame.set_index("date")
    frame.attrs.update(attrs)
    return frame


# ----------------------------------------------------------------- the course's stock files ---
def load_stock_csv(path):
    """Read a ``data_stocks.csv``-format file: ``DATE``, the index ``SP500``, then one column per stock.

    The frame comes back in that column order (DATE, SP500, stocks) as the course's code expects:
    it drops DATE and takes column 0 as the target.
    """
    import pandas as pd

    frame = pd.read_csv(path)
    missing = [c for c in ("DATE", "SP500") if c not in frame.columns]
    if missing:
        raise ValueError(f"load_stock_csv: {path} lacks column(s) {missing}; a data_stocks.csv has DATE, "
                         f"SP500 and one column per stock, this file has {list(frame.columns)[:8]}...")
    frame = frame[["DATE", "SP500"] + [c for c in frame.columns if c not in ("DATE", "SP500")]]
    frame.attrs.update(synthetic=False, label=f"stock prices from {path}")
    return frame


def load_ohlcv_csv(path, date_column: str | None = None):
    """Read a daily open/high/low/close/volume file (column names in any case), indexed by date
    when it has a date column, sorted in time.  Rows where low/high do not bound open and close
    are reported with a warning, not changed."""
    import pandas as pd

    frame = pd.read_csv(path)
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    missing = [c for c in OHLCV if c not in frame.columns]
    if missing:
        raise ValueError(f"load_ohlcv_csv: {path} lacks column(s) {missing}; found {list(frame.columns)}")
    date_column = date_column.lower() if date_column else next(
        (c for c in ("date", "datetime", "timestamp", "time") if c in frame.columns), None)
    if date_column is not None:
        frame[date_column] = pd.to_datetime(frame[date_column])
        frame = frame.set_index(date_column).sort_index()
        frame.index.name = "date"
    frame = frame[OHLCV + [c for c in frame.columns if c not in OHLCV]]
    bad = (frame["low"] > frame[["open", "close"]].min(axis=1)) | (frame["high"] < frame[["open", "close"]].max(axis=1))
    if bad.any():
        warnings.warn(f"load_ohlcv_csv: {int(bad.sum())} row(s) of {path} have low/high that do not bound "
                      f"open and close (first: {frame.index[bad.to_numpy()][0]})", stacklevel=2)
    frame.attrs.update(synthetic=False, label=f"OHLCV prices from {path}")
    return frame


def data_label(frame) -> str:
    """Where a frame came from, saying SYNTHETIC when it is."""
    label = frame.attrs.get("label", "data of unknown origin")
    return label if not frame.attrs.get("synthetic") or "SYNTHETIC" in label else "SYNTHETIC " + label


def load_stocks(path=None, n_days: int = 2000, n_stocks: int = 500, seed: int = 0, verbose: bool = True):
    """The course's stock table: ``load_stock_csv(path)`` when a path is given, else
    ``synthetic_stocks(n_days, n_stocks, seed)``.  Prints which one it is unless ``verbose=False``;
    ``data_label(frame)`` gives the same text."""
    frame = load_stock_csv(path) if path else synthetic_stocks(n_days, n_stocks, seed)
    if verbose:
        print(f"data: {data_label(frame)}")
    return frame


def load_ohlcv(path=None, n_days: int = 1000, seed: int = 0, verbose: bool = True):
    """Daily OHLCV prices: ``load_ohlcv_csv(path)`` when a path is given, else the labelled
    ``synthetic_ohlcv(n_days, seed)``; prints which unless ``verbose=False``."""
    frame = load_ohlcv_csv(path) if path else synthetic_ohlcv(n_days, seed)
    if verbose:
        print(f"data: {data_label(frame)}")
    return frame
