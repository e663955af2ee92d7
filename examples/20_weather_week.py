"""A week of weather (p.36): a GRU reads 30 days of Seattle weather and forecasts the next 7 days' maximum temperature.

The course's first example of a sequence label: not one value but the next week.  The input is
the last 30 days of precipitation, maximum and minimum temperature and wind (vega_datasets'
seattle-weather, 2012-2015, bundled); the label is the maximum temperature of each of the 7
following days, so the network has 7 outputs (a multi-step horizon).  Scaling is fitted on the
training years only and the test period comes after them in time, as a real forecast would.

The bar to clear is the naive forecast "next week will be the same as the last 7 days".  The
other naive forecast, "every day of next week as warm as today", is printed too: it is the
stronger of the two here and hard to beat for tomorrow alone, but over the week the GRU beats it
as well.
"""
from __future__ import annotations

import os

import numpy as np
from sklearn.preprocessing import MinMaxScaler

import minigrad.nn as nn
import minigrad.optim as optim
from minigrad.course import Result, exit_code, parse_example_args
from minigrad.data import DataLoader, SlidingWindowDataset, data_label, load_seattle_weather, time_split
from minigrad.train import fit, predict
from minigrad.viz import save_figure

FEATURES = ["precipitation", "temp_max", "temp_min", "wind"]
TARGET = "temp_max"
WINDOW, HORIZON = 30, 7


class WeekForecaster(nn.Module):
    """GRU over the 30 days; its last hidden state -> 7 temperatures (one Linear, 7 outputs)."""

    def __init__(self, n_features: int, hidden_size: int = 32):
        super().__init__()
        self.gru = nn.GRU(n_features, hidden_size, batch_first=True)
        self.out = nn.Linear(hidden_size, HORIZON)

    def forward(self, x):
        hs, _ = self.gru(x)
        return self.out(hs[:, -1])


def plot_weeks(dates, temps, truth, forecast, naive, picks, path: str) -> str:
    """A few test weeks: the 30 days the GRU read, then the truth, its forecast and the naive one.
    Test window k reads days k..k+29 of ``dates``/``temps`` and forecasts days k+30..k+36."""
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 2, figsize=(13, 7), sharey=True)
    for ax, k in zip(axes.ravel(), picks):
        past, future = dates[k:k + WINDOW], dates[k + WINDOW:k + WINDOW + HORIZON]
        ax.plot(past, temps[k:k + WINDOW], color="gray", label="last 30 days (input)")
        ax.plot(future, truth[k], "o-", color="black", label="actual")
        ax.plot(future, forecast[k], "o-", color="tab:blue", label="GRU forecast")
        ax.plot(future, naive[k], "o--", color="tab:orange", alpha=0.8, label="naive: same as last 7 days")
        ax.set_title(f"week from {future[0]:%Y-%m-%d}")
        ax.set_ylabel("max temperature (°C)")
        ax.grid(alpha=0.3)
        locator = mdates.AutoDateLocator(maxticks=6)
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    axes[0, 0].legend(fontsize=8)
    fig.suptitle("Seattle, test period: 7-day forecasts of the daily maximum temperature")
    return save_figure(fig, path)


def plot_lead_days(errors: dict, path: str) -> str:
    """MAE for each day ahead: the GRU against the two naive forecasts."""
    import matplotlib.pyplot as plt

    days = np.arange(1, HORIZON + 1)
    fig, ax = plt.subplots(figsize=(8, 4))
    width = 0.8 / len(errors)
    for k, (name, per_day) in enumerate(errors.items()):
        ax.bar(days + (k - (len(errors) - 1) / 2) * width, per_day, width, label=name)
    ax.set_xticks(days)
    ax.set_xlabel("days ahead")
    ax.set_ylabel("mean absolute error (°C)")
    ax.set_title("test-period error by forecast day")
    ax.set_ylim(0, 1.3 * max(max(v) for v in errors.values()))     # room for the legend above the bars
    ax.legend(fontsize=8, ncol=len(errors), loc="upper center")
    ax.grid(alpha=0.3, axis="y")
    return save_figure(fig, path)


def main(argv=None) -> Result:
    args = parse_example_args(__doc__.splitlines()[0], argv)
    epochs = 6 if args.quick else 30

    weather = load_seattle_weather()
    print(f"data: {data_label(weather)}, {len(weather)} days from {weather.index[0]:%Y-%m-%d} "
          f"to {weather.index[-1]:%Y-%m-%d}")
    values = weather[FEATURES].to_numpy(np.float32)
    train_part, test_part = time_split(values, train=0.75)
    n_train = len(train_part)
    scaler = MinMaxScaler().fit(train_part)               # the test years never shape the scaling
    scaled = scaler.transform(values).astype(np.float32)
    column = FEATURES.index(TARGET)
    low, span = scaler.data_min_[column], scaler.data_range_[column]

    # Test windows may read the last 30 training days as their input: that is the past, not a leak.
    train = SlidingWindowDataset(scaled[:n_train], WINDOW, HORIZON, target_columns=column)
    test = SlidingWindowDataset(scaled[n_train - WINDOW:], WINDOW, HORIZON, target_columns=column)
    print(f"{len(train)} training windows (to {weather.index[n_train - 1]:%Y-%m-%d}), {len(test)} test windows; "
          f"x {tuple(train.tensors[0].shape[1:])} = 30 days x {len(FEATURES)} features, y = next 7 days' {TARGET}")

    model = WeekForecaster(len(FEATURES))
    optimizer = optim.Adam(model.parameters(), lr=0.005)
    history = fit(model, nn.MSELoss(), optimizer, DataLoader(train, batch_size=64, shuffle=True),
                  epochs=epochs, progress=False)

    x_test, y_test = test.tensors
    truth = y_test.numpy() * span + low                    # back to °C
    forecast = predict(model, x_test).numpy() * span + low
    last_week = x_test.numpy()[:, -HORIZON:, column] * span + low                 # naive: repeat the last 7 days
    today = np.repeat(x_test.numpy()[:, -1:, column] * span + low, HORIZON, axis=1)  # naive: stay as today
    errors = {"GRU": np.abs(forecast - truth).mean(axis=0),
              "naive: same as last 7 days": np.abs(last_week - truth).mean(axis=0),
              "naive: every day as today": np.abs(today - truth).mean(axis=0)}
    mae = {name: float(per_day.mean()) for name, per_day in errors.items()}

    print(f"GRU, {epochs} epochs, final training MSE (scaled) {history.last('loss'):.4f}")
    print("test MAE of the 7-day forecast, °C:")
    for name, value in mae.items():
        print(f"  {name:28} {value:.2f}   by day ahead: {' '.join(f'{v:.2f}' for v in errors[name])}")

    picks = np.linspace(0, len(test) - 1, 4).astype(int)          # four weeks spread over the test period
    plots = [plot_weeks(weather.index[n_train - WINDOW:], weather[TARGET].to_numpy()[n_train - WINDOW:], truth,
                        forecast, last_week, picks, os.path.join(args.out, "weather_weeks.png")),
             plot_lead_days(errors, os.path.join(args.out, "weather_error_by_day.png"))]
    naive = mae["naive: same as last 7 days"]
    return Result(metric="test MAE (°C), GRU", value=mae["GRU"], target=f"< naive 'same as last 7 days' {naive:.2f}",
                  passed=mae["GRU"] < naive, details=mae, plots=plots)


if __name__ == "__main__":
    raise SystemExit(exit_code(main()))
