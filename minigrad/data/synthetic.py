"""Synthetic stand-ins for the course's stock files, clearly labelled as such (frame.attrs["synthetic"]).

The course trains on ``data_stocks.csv`` (p.22/35/54), which is not bundled.  These generators make
frames of the same format so the examples run offline; every frame they return carries
``attrs["synthetic"] = True`` and an ``attrs["label"]`` that says where it came from.
"""
from __future__ import annotations

import numpy as np

# The real file starts on 2017-04-03 (its DATE column holds Unix seconds).
_START_UNIX = 1491177600
_DAY = 86400


def synthetic_stocks(n_days: int = 2000, n_stocks: int = 500, seed: int = 0, n_factors: int = 3):
    """A ``data_stocks.csv``-shaped frame: ``DATE`` (Unix seconds, one row a day), ``SP500``,
    then ``n_stocks`` price columns ``SYN.S000``...

    Prices are correlated random walks: each stock's log price is its own random walk plus its
    loadings on ``n_factors`` common random walks (a market factor and smaller sector-like ones).
    The index is a fixed weighted sum of the stock prices (as a real index is), scaled to start
    near 2400, so it moves with the common factors.
    """
    import pandas as pd

    if n_days < 2 or n_stocks < 1 or n_factors < 1:
        raise ValueError(f"synthetic_stocks: need n_days >= 2, n_stocks >= 1, n_factors >= 1; "
                         f"got {n_days}, {n_stocks}, {n_factors}")
    rng = np.random.default_rng(seed)
    factor_scale = 0.5 ** np.arange(n_factors)                    # market first, then weaker factors
    factors = rng.normal(0.0002, 0.01, (n_days, n_factors)).cumsum(axis=0) * factor_scale
    loadings = rng.normal(1.0, 0.4, (n_factors, n_stocks))
    own_walks = rng.normal(0.0, 0.008, (n_days, n_stocks)).cumsum(axis=0)
    start = np.log(rng.uniform(20, 200, n_stocks))
    prices = np.exp(start + factors @ loadings + own_walks)
    weights = rng.dirichlet(np.ones(n_stocks))
    index = prices @ weights
    index *= 2400.0 / index[0]

    columns = {"DATE": _START_UNIX + _DAY * np.arange(n_days, dtype=np.int64), "SP500": index.round(2)}
    columns.update({f"SYN.S{i:03d}": prices[:, i].round(4) for i in range(n_stocks)})
    frame = pd.DataFrame(columns)
    frame.attrs.update(synthetic=True, label=f"SYNTHETIC stock prices: minigrad.data.synthetic_stocks("
                       f"n_days={n_days}, n_stocks={n_stocks}, seed={seed}) — not market data")
    return frame


def synthetic_ohlcv(n_days: int = 1000, seed: int = 0, start_price: float = 100.0):
    """Daily ``open, high, low, close, volume`` on business days, always consistent:
    ``low <= min(open, close)`` and ``high >= max(open, close)``.

    Close is a geometric random walk; open gaps a little from the previous close; high and low
    reach beyond the day's body; volume rises on days with large moves.
    """
    import pandas as pd

    if n_days < 2:
        raise ValueError(f"synthetic_ohlcv: need n_days >= 2, got {n_days}")
    rng = np.random.default_rng(seed)
    returns = rng.normal(0.0003, 0.015, n_days)
    close = start_price * np.exp(returns.cumsum())
    previous_close = np.concatenate([[start_price], close[:-1]])
    open_ = previous_close * np.exp(rng.normal(0.0, 0.003, n_days))
    high = np.maximum(open_, close) * np.exp(np.abs(rng.normal(0.0, 0.006, n_days)))
    low = np.minimum(open_, close) * np.exp(-np.abs(rng.normal(0.0, 0.006, n_days)))
    volume = rng.lognormal(13.0, 0.3, n_days) * (1.0 + 20.0 * np.abs(returns))

    # Rounding is monotone, so the rounded prices keep low <= open, close <= high.
    frame = pd.DataFrame({"open": open_.round(2), "high": high.round(2), "low": low.round(2),
                          "close": close.round(2), "volume": volume.astype(np.int64)},
                         index=pd.bdate_range("2015-01-02", periods=n_days, name="date"))
    frame.attrs.update(synthetic=True, label=f"SYNTHETIC daily OHLCV: minigrad.data.synthetic_ohlcv("
                       f"n_days={n_days}, seed={seed}) — not market data")
    return frame
