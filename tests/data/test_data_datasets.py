"""Bundled data sets load offline with the right shapes; synthetic frames are labelled and consistent."""
import socket

import numpy as np
import pandas as pd
import pytest

from minigrad.data import (data_label, load_breast_cancer, load_digits, load_iris, load_ohlcv, load_ohlcv_csv,
                           load_seattle_weather, load_stock_csv, load_stocks, load_vega_stocks, synthetic_ohlcv,
                           synthetic_stocks)


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """Every loader must work with the network unavailable."""
    def refuse(*args, **kwargs):
        raise OSError("network disabled in this test")
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


@pytest.mark.parametrize("loader, shape, classes", [(load_digits, (1797, 64), 10), (load_iris, (150, 4), 3),
                                                    (load_breast_cancer, (569, 30), 2)])
def test_sklearn_sets(loader, shape, classes):
    data = loader()
    X, y = data
    assert X.shape == shape and X.dtype == np.float32
    assert y.shape == (shape[0],) and y.dtype == np.int64
    assert data.num_classes == classes and len(data.feature_names) == shape[1]
    assert len(data.dataset()) == shape[0]


def test_digits_as_images():
    assert load_digits(as_images=True).X.shape == (1797, 1, 8, 8)


def test_vega_stocks_wide():
    wide = load_vega_stocks()
    assert list(wide.columns) == ["AAPL", "AMZN", "GOOG", "IBM", "MSFT"]
    assert len(wide) == 123 and isinstance(wide.index, pd.DatetimeIndex) and wide.index.is_monotonic_increasing
    assert wide["GOOG"].isna().sum() == 55 and wide.drop(columns="GOOG").notna().all().all()
    assert len(load_vega_stocks(dropna=True)) == 68
    assert wide.attrs["synthetic"] is False


def test_seattle_weather():
    frame = load_seattle_weather()
    assert frame.shape == (1461, 5) and frame.index.name == "date"
    assert set(frame["weather"]) == {"drizzle", "rain", "sun", "snow", "fog"}


def test_synthetic_stocks_format_and_label():
    frame = synthetic_stocks(n_days=300, n_stocks=40, seed=1)
    assert list(frame.columns[:2]) == ["DATE", "SP500"] and frame.shape == (300, 42)
    assert frame.attrs["synthetic"] is True and "SYNTHETIC" in data_label(frame)
    assert np.all(frame.iloc[:, 1:].to_numpy() > 0) and np.all(np.diff(frame["DATE"]) > 0)
    # common factors make the stocks' daily moves correlated, and the index follows them
    moves = np.diff(np.log(frame.iloc[:, 2:].to_numpy()), axis=0)
    corr = np.corrcoef(moves.T)
    assert np.mean(corr[np.triu_indices(40, 1)]) > 0.2
    index_moves = np.diff(np.log(frame["SP500"].to_numpy()))
    assert np.corrcoef(index_moves, moves.mean(axis=1))[0, 1] > 0.9
    pd.testing.assert_frame_equal(frame, synthetic_stocks(n_days=300, n_stocks=40, seed=1))
    assert not frame.equals(synthetic_stocks(n_days=300, n_stocks=40, seed=2))


def test_synthetic_ohlcv_consistent():
    frame = synthetic_ohlcv(n_days=500, seed=3)
    assert list(frame.columns) == ["open", "high", "low", "close", "volume"] and len(frame) == 500
    assert (frame["low"] <= frame[["open", "close"]].min(axis=1)).all()
    assert (frame["high"] >= frame[["open", "close"]].max(axis=1)).all()
    assert (frame["volume"] > 0).all() and frame.attrs["synthetic"] is True


def test_stock_csv_round_trip(tmp_path):
    frame = synthetic_stocks(n_days=20, n_stocks=3)
    shuffled = frame[["SYN.S001", "SP500", "DATE", "SYN.S000", "SYN.S002"]]
    shuffled.to_csv(tmp_path / "data_stocks.csv", index=False)
    loaded = load_stock_csv(tmp_path / "data_stocks.csv")
    assert list(loaded.columns[:2]) == ["DATE", "SP500"] and loaded.shape == (20, 5)
    assert loaded.attrs["synthetic"] is False
    np.testing.assert_allclose(loaded["SP500"], frame["SP500"])
    pd.DataFrame({"Date": [1], "Price": [2]}).to_csv(tmp_path / "bad.csv", index=False)
    with pytest.raises(ValueError, match="DATE"):
        load_stock_csv(tmp_path / "bad.csv")


def test_load_stocks_prints_the_label(tmp_path, capsys):
    frame = load_stocks(n_days=10, n_stocks=2)
    assert frame.attrs["synthetic"] is True
    assert "SYNTHETIC" in capsys.readouterr().out
    frame.to_csv(tmp_path / "s.csv", index=False)
    real = load_stocks(tmp_path / "s.csv")
    assert real.attrs["synthetic"] is False and "SYNTHETIC" not in capsys.readouterr().out


def test_ohlcv_csv(tmp_path, capsys):
    frame = synthetic_ohlcv(n_days=30)
    upper = frame.rename(columns=str.title).reset_index().rename(columns={"date": "Date"})
    upper.iloc[::-1].to_csv(tmp_path / "ohlcv.csv", index=False)        # newest first, as downloads often are
    loaded = load_ohlcv_csv(tmp_path / "ohlcv.csv")
    assert list(loaded.columns) == ["open", "high", "low", "close", "volume"]
    assert loaded.index.is_monotonic_increasing and loaded.attrs["synthetic"] is False
    np.testing.assert_allclose(loaded["close"].to_numpy(), frame["close"].to_numpy())
    assert "SYNTHETIC" in (load_ohlcv(n_days=5), capsys.readouterr().out)[1]
    broken = frame.copy()
    broken.iloc[0, broken.columns.get_loc("low")] = 1e6
    broken.to_csv(tmp_path / "broken.csv")
    with pytest.warns(UserWarning, match="1 row"):
        load_ohlcv_csv(tmp_path / "broken.csv")
