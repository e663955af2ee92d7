"""Data: datasets, the DataLoader, sequence windows, vocabularies, splits and bundled data sets.

Scaling and shuffled splits come from scikit-learn, as in the course (MinMaxScaler,
StandardScaler, train_test_split); only the time-ordered split lives here.
"""
from .dataset import Dataset, Subset, TensorDataset
from .datasets import (LabeledArrays, data_label, load_breast_cancer, load_digits, load_iris, load_ohlcv,
                       load_ohlcv_csv, load_seattle_weather, load_stock_csv, load_stocks, load_vega_stocks)
from .loader import DataLoader, default_collate
from .mnist import load_mnist, read_idx
from .sequence import SlidingWindowDataset
from .split import time_split
from .synthetic import synthetic_ohlcv, synthetic_stocks
from .text import CharVocab, WordVocab, one_hot

__all__ = ["Dataset", "Subset", "TensorDataset", "DataLoader", "default_collate", "SlidingWindowDataset",
           "one_hot", "CharVocab", "WordVocab", "time_split", "LabeledArrays", "load_digits", "load_iris",
           "load_breast_cancer", "load_vega_stocks", "load_seattle_weather", "load_stock_csv",
           "load_ohlcv_csv", "load_stocks", "load_ohlcv", "data_label", "synthetic_stocks", "synthetic_ohlcv"]
