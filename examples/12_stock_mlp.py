"""The course's stock-price MLP (p.22/35/54): the S&P 500 from its stocks, then real monthly prices (vega).

The slides' TF1 program, step by step in minigrad: read ``data_stocks.csv`` (DATE, SP500, one
column per stock), drop DATE, split the days 80/20 in time order, scale every column to [-1, 1]
with a MinMaxScaler fitted on the training days only, and train n_stocks -> 1024 -> 512 -> 256 ->
128 -> 1 (ReLU; TF's variance-scaling fan_avg truncated-normal weights, zero biases) with Adam on
the mean squared error, in shuffled mini-batches of 256.  Without ``--csv`` the table is a
clearly labelled SYNTHETIC stand-in of the same format.  The second run applies the same
recipe to real prices: a four-stock index (their mean price) from the four stocks, monthly 2000-2010.
"""
from __future__ import annotations

import os

import numpy as np
import pandas as pd
from sklearn.preprocessing import MinMaxScaler

import minigrad.nn as nn
import minigrad.optim as optim
from minigrad.course import Result, exit_code, parse_example_args
from minigrad.data import DataLoader, TensorDataset, data_label, load_stocks, load_vega_stocks, time_split
from minigrad.metrics import mse
from minigrad.train import fit, predict
from minigrad.viz import save_figure

# Test MSE below half the variance of the test target, i.e. test R² > 0.5.  That variance is the error
# of the best constant chosen in hindsight, so this also beats "predict the training mean" by 2x or more.
MARGIN = 0.5
VEGA_SYMBOLS = ["AAPL", "AMZN", "IBM", "MSFT"]     # GOOG only starts in 2004


def make_model(n_stocks: int) -> nn.Sequential:
    """The slides' layers, initialised as the TF1 code: variance scaling for weights, zeros for biases."""
    sizes = [n_stocks, 1024, 512, 256, 128, 1]
    layers = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        linear = nn.Linear(n_in, n_out)
        nn.init.variance_scaling_(linear.weight, 1.0, mode="fan_avg", distribution="truncated_normal")
        nn.init.zeros_(linear.bias)
        layers += [linear, nn.ReLU()]
    return nn.Sequential(*layers[:-1])          # no ReLU after the output: a scaled index can be negative


def train_and_test(data: np.ndarray, epochs: int, batch_size: int = 256) -> dict:
    """The course's recipe on a [days, 1 + n_stocks] array whose column 0 is the target.
    Returns the test targets and predictions (scaled), the errors and what it takes to undo the scaling."""
    data_train, data_test = time_split(data, train=0.8)          # the past trains, the future tests
    scaler = MinMaxScaler(feature_range=(-1, 1)).fit(data_train)  # fitted on the training days only
    data_train, data_test = scaler.transform(data_train), scaler.transform(data_test)
    X_train, y_train = data_train[:, 1:], data_train[:, :1]
    X_test, y_test = data_test[:, 1:], data_test[:, :1]

    model = make_model(X_train.shape[1])
    loader = DataLoader(TensorDataset(X_train.astype(np.float32), y_train.astype(np.float32)),
                        batch_size=batch_size, shuffle=True)      # shuffled within the training days only
    history = fit(model, nn.MSELoss(), optim.Adam(model.parameters(), lr=1e-3), loader, epochs=epochs,
                  progress=False)
    predicted = predict(model, X_test.astype(np.float32)).numpy().astype(np.float64)
    naive = float(y_train.mean())                                     # "the index stays at its training mean"
    return dict(y_test=y_test[:, 0], predicted=predicted[:, 0], n_train=len(X_train), history=history,
                test_mse=mse(predicted, y_test), naive=naive, naive_mse=mse(np.full_like(y_test, naive), y_test),
                test_variance=float(y_test.var()),                   # MSE of the best constant, in hindsight
                outside=float(np.mean(np.abs(X_test) > 1)),          # test prices beyond the training range
                unscale=lambda v: (v - scaler.min_[0]) / scaler.scale_[0])   # column 0 back to prices


def report(title: str, run: dict) -> None:
    print(f"{title}:\n  train loss {run['history'].last('loss'):.5f}; test MSE (scaled units) {run['test_mse']:.5f}; "
          f"naive 'training mean' {run['naive_mse']:.5f}; variance of the test target {run['test_variance']:.5f}\n"
          f"  {run['outside']:.0%} of the test inputs lie outside [-1, 1] (prices the training days never reached): "
          "there the network extrapolates")


def plot_run(run: dict, dates, title: str, ylabel: str, path: str) -> str:
    import matplotlib.pyplot as plt

    fig, (prices, errors) = plt.subplots(2, 1, figsize=(11, 6.5), sharex=True,
                                         gridspec_kw={"height_ratios": [3, 1]})
    actual, predicted = run["unscale"](run["y_test"]), run["unscale"](run["predicted"])
    prices.plot(dates, actual, label="actual", linewidth=1.5)
    prices.plot(dates, predicted, label=f"MLP prediction (test MSE {run['test_mse']:.4f} scaled)", linestyle="--")
    prices.axhline(run["unscale"](run["naive"]), color="gray", linestyle=":",
                   label=f"naive: training mean (test MSE {run['naive_mse']:.4f} scaled)")
    prices.axhline(run["unscale"](1.0), color="tab:green", linestyle=":",     # the scaler maps the training max to 1
                   label="highest value of the training days")
    prices.set_ylabel(ylabel)
    prices.set_title(title)
    prices.grid(alpha=0.3)
    prices.legend(fontsize=9)
    errors.plot(dates, predicted - actual, color="tab:red", linewidth=1)
    errors.axhline(0, color="gray", linewidth=0.6)
    errors.set_ylabel("predicted − actual")
    errors.set_xlabel("date (test period: the last 20 %)")
    errors.grid(alpha=0.3)
    return save_figure(fig, path)


def main(argv=None) -> Result:
    args = parse_example_args(__doc__.splitlines()[0], argv, extra=lambda p: p.add_argument(
        "--csv", default=None, help="the course's data_stocks.csv (DATE, SP500, stocks); default: synthetic"))
    n_days, n_stocks = (1500, 100) if args.quick else (2000, 500)
    epochs, vega_epochs = (10, 100) if args.quick else (20, 300)

    # 1. The course's data: the user's data_stocks.csv, or a labelled synthetic stand-in.  The stand-in
    # is the same for every --seed, as a file would be; --seed changes the initial weights and batches.
    frame = load_stocks(args.csv, n_days=n_days, n_stocks=n_stocks, seed=0)
    synthetic = bool(frame.attrs.get("synthetic"))
    if args.quick and frame.shape[0] * (frame.shape[1] - 2) > n_days * n_stocks:   # a big file: take a corner
        frame = frame.iloc[:n_days, :2 + n_stocks]
        print(f"--quick: the first {len(frame)} rows and {frame.shape[1] - 2} stocks of the file")
    dates = pd.to_datetime(frame["DATE"], unit="s" if frame["DATE"].dtype.kind in "iuf" else None)  # Unix seconds
    data = frame.drop(columns=["DATE"]).to_numpy(np.float64)      # column 0 is SP500, then the stocks
    print(f"{len(data)} rows (time steps) x {data.shape[1] - 1} stocks; {epochs} epochs")
    course = train_and_test(data, epochs)
    report("S&P 500 from its stocks" + (" (SYNTHETIC data)" if synthetic else ""), course)
    title = (f"{'SYNTHETIC stand-in for data_stocks.csv' if synthetic else os.path.basename(args.csv)}: "
             f"SP500 from {data.shape[1] - 1} stocks, test period")
    ylabel = "SP500 index" + (" (synthetic)" if synthetic else "")
    plots = [plot_run(course, dates.iloc[-len(course["y_test"]):], title, ylabel,
                      os.path.join(args.out, "stock_mlp_sp500.png"))]

    # 2. Real prices: a four-stock index (the mean price) from its four stocks, monthly 2000-2010.
    wide = load_vega_stocks()[VEGA_SYMBOLS]
    print(f"data: {data_label(wide)}")
    vega_data = np.column_stack([wide.mean(axis=1).to_numpy(), wide.to_numpy()])
    vega = train_and_test(vega_data, vega_epochs)
    symbols = ", ".join(VEGA_SYMBOLS)
    report(f"mean of {symbols} from the four prices ({len(wide)} months, {vega_epochs} epochs)", vega)
    plots.append(plot_run(vega, wide.index[-len(vega["y_test"]):],
                          f"real monthly prices (vega_datasets): the mean of {symbols} from the four, test period",
                          "mean price (USD)", os.path.join(args.out, "stock_mlp_vega.png")))

    ratio = course["test_mse"] / course["test_variance"]
    vega_ratio = vega["test_mse"] / vega["test_variance"]
    print(f"test MSE / variance of the test target (1 − test R²): {ratio:.4f} "
          f"({'SYNTHETIC ' if synthetic else ''}S&P 500), {vega_ratio:.4f} (vega)")
    return Result(metric="test MSE / test variance" + (" (synthetic)" if synthetic else ""), value=ratio,
                  target=f"< {MARGIN} (and on vega)", passed=ratio < MARGIN and vega_ratio < MARGIN,
                  details={"synthetic": synthetic, "test_mse": course["test_mse"], "naive_mse": course["naive_mse"],
                           "vega_test_mse": vega["test_mse"], "vega_naive_mse": vega["naive_mse"]}, plots=plots)


if __name__ == "__main__":
    raise SystemExit(exit_code(main()))
