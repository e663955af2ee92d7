"""RNN next-step prediction (p.38): a number series with single- and multi-step labels, and a melody note by note.

The course's table of sequence data: the features are a window of the past, the label is what
comes next — one step ("Single") or several ("Multi").  Two of its rows are learned here with a
tanh ``nn.RNN``:

* Time series.  The slide cuts the series 1..13 into windows of 5 taken every 3 steps:
  1-5 -> 6, 4-8 -> 9, 7-11 -> 12 (or 12 13).  Three windows teach nothing, so the RNN is trained
  on many random straight-line series (random start and slope, scaled by 1/10) and then asked
  to continue the slide's own windows.  It has to learn "continue the trend", not memorise 12.
* Music.  The slide's melody "mi re do re mi mi -> mi" is the start of the children's song
  "떴다 떴다 비행기" (the tune of "Mary had a little lamb"), shipped below in 도레미.  The RNN reads
  the song one note at a time and predicts the next one; then it plays the song by itself from
  its first note, feeding each predicted note back in.  With only one song this is learning a
  melody by heart, as the slide does — the accuracy is on the song it learned.
"""
from __future__ import annotations

import os

import numpy as np

import minigrad as mg
import minigrad.nn as nn
import minigrad.optim as optim
from minigrad.course import Result, exit_code, parse_example_args
from minigrad.data import SlidingWindowDataset, one_hot
from minigrad.viz import save_figure

# 떴다 떴다 비행기 / 날아라 날아라 / 높이 높이 날아라 / 우리 비행기 — one note per syllable.
MELODY = "미레도레미미미 레레레미미미 미레도레미미미 레레미레도"
NOTES = ["도", "레", "미"]
ROMAN = {"도": "do", "레": "re", "미": "mi"}   # the plots' font has no Hangul
WINDOW = 5
SCALE = 10.0                                   # series values / 10: the RNN sees numbers near ±2
MAE_TARGET, MELODY_TARGET = 0.3, 0.9


# --------------------------------------------------------------------------- the number series
def print_course_table() -> None:
    """The slide's windows of 1..13 (window 5, stride 3), built with SlidingWindowDataset."""
    series = np.arange(1, 14)
    print("the course's series 1..13, window 5 every 3 steps:")
    print(f"  {'features':18} {'label (single)':15} label (multi)")
    single = SlidingWindowDataset(series, window=WINDOW, horizon=1, stride=3)
    multi = SlidingWindowDataset(series, window=WINDOW, horizon=2, stride=3)
    for (x, y1), (_, y2) in zip(single, multi):
        print(f"  {' '.join(f'{v:g}' for v in x.numpy().ravel()):18} "
              f"{' '.join(f'{v:g}' for v in y1.numpy()):15} {' '.join(f'{v:g}' for v in y2.numpy())}")


def lines(rng: np.random.Generator, n: int, horizon: int) -> tuple[np.ndarray, np.ndarray]:
    """n windows of random straight lines start + slope·t: x [n, 5, 1] and the next ``horizon`` values."""
    start, slope = rng.uniform(-10, 20, (n, 1)), rng.uniform(-3, 3, (n, 1))
    series = (start + slope * np.arange(WINDOW + horizon)) / SCALE
    return series[:, :WINDOW, None].astype(np.float32), series[:, WINDOW:].astype(np.float32)


class SeriesRNN(nn.Module):
    """tanh RNN over the window; the last hidden state -> the next ``horizon`` values."""

    def __init__(self, horizon: int, hidden_size: int = 32):
        super().__init__()
        self.rnn = nn.RNN(1, hidden_size, batch_first=True)
        self.out = nn.Linear(hidden_size, horizon)

    def forward(self, x):
        hs, _ = self.rnn(x)
        return self.out(hs[:, -1])


def train_series(horizon: int, steps: int, seed: int) -> tuple[SeriesRNN, float]:
    """Train on fresh random lines every step; return the model and its MAE on held-out lines."""
    rng = np.random.default_rng(seed)
    model = SeriesRNN(horizon)
    optimizer = optim.Adam(model.parameters(), lr=0.01)
    for _ in range(steps):
        x, y = lines(rng, 64, horizon)
        loss = nn.MSELoss()(model(mg.tensor(x)), mg.tensor(y))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    x, y = lines(np.random.default_rng(seed + 1000), 1000, horizon)   # lines never trained on
    with mg.no_grad():
        mae = float(np.abs(model(mg.tensor(x)).numpy() - y).mean() * SCALE)
    return model, mae


def continue_course_series(model: SeriesRNN, horizon: int) -> list[tuple[list, list, np.ndarray]]:
    """(window, true label, predicted label) for the slide's three windows."""
    windows = SlidingWindowDataset(np.arange(1, 14), window=WINDOW, horizon=horizon, stride=3)
    x, y = windows.tensors
    with mg.no_grad():
        predicted = model(x / SCALE).numpy() * SCALE
    return [(list(xi.ravel()), list(yi.ravel()), p) for xi, yi, p in zip(x.numpy(), y.numpy(), predicted)]


# --------------------------------------------------------------------------- the melody
class MelodyRNN(nn.Module):
    """tanh RNN over one-hot notes; at every step, scores for the next note."""

    def __init__(self, n_notes: int, hidden_size: int = 16):
        super().__init__()
        self.rnn = nn.RNN(n_notes, hidden_size, batch_first=True)
        self.out = nn.Linear(hidden_size, n_notes)

    def forward(self, x, h=None):
        hs, h = self.rnn(x, h)
        return self.out(hs), h


def train_melody(notes: np.ndarray, epochs: int) -> MelodyRNN:
    x = one_hot(notes[:-1], len(NOTES), dtype=mg.float32).unsqueeze(0)    # [1, 24, 3]
    y = mg.tensor(notes[1:])                                                # the next note at each step
    model = MelodyRNN(len(NOTES))
    optimizer = optim.Adam(model.parameters(), lr=0.03)
    for _ in range(epochs):
        scores, _ = model(x)
        loss = nn.CrossEntropyLoss()(scores[0], y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return model


def play(model: MelodyRNN, first: int, length: int) -> list[int]:
    """The model plays on its own: each predicted note is fed back as the next input."""
    played, h = [first], None
    with mg.no_grad():
        for _ in range(length - 1):
            scores, h = model(one_hot(np.array([[played[-1]]]), len(NOTES), dtype=mg.float32), h)
            played.append(int(scores.numpy()[0, -1].argmax()))
    return played


def spell(indices) -> str:
    return " ".join(NOTES[i] for i in indices)


# --------------------------------------------------------------------------- the picture
def plot(course_rows: dict, notes: np.ndarray, predicted: np.ndarray, played: list, path: str) -> str:
    import matplotlib.pyplot as plt

    fig, (series_ax, melody_ax) = plt.subplots(1, 2, figsize=(14, 4.4), gridspec_kw={"width_ratios": [1, 1.6]})
    series_ax.plot(np.arange(1, 14), np.arange(1, 14), "o-", color="lightgray", label="the series 1..13")
    for horizon, marker, color in ((1, "o", "tab:blue"), (2, "x", "tab:red")):
        for k, (window, label, guess) in enumerate(course_rows[horizon]):
            t = window[-1] + 1 + np.arange(horizon)       # the series is its own time index
            series_ax.plot(t, guess, marker, color=color, markersize=9, linestyle="none",
                           label=f"RNN, {horizon}-step label" if k == 0 else None)
    series_ax.set_xlabel("step")
    series_ax.set_ylabel("value")
    series_ax.set_title("continuing the slide's windows 1-5, 4-8, 7-11")
    series_ax.legend()
    series_ax.grid(alpha=0.3)

    steps = np.arange(len(notes))
    melody_ax.plot(steps, notes, "s", color="lightgray", markersize=13, label="the song")
    melody_ax.plot(steps[1:], predicted, "o", color="tab:blue", label="next note, reading the song")
    melody_ax.plot(steps, played, "x", color="tab:red", markersize=9, label="played alone from the first note")
    wrong = np.flatnonzero(predicted != notes[1:]) + 1
    melody_ax.plot(wrong, notes[wrong], "o", mfc="none", mec="black", markersize=16,
                   label="wrong prediction" if len(wrong) else None, linestyle="none")
    melody_ax.set_yticks(range(len(NOTES)), [ROMAN[n] for n in NOTES])
    melody_ax.set_ylim(-0.7, len(NOTES) - 0.3)
    melody_ax.set_xlabel("note number")
    melody_ax.set_title('melody "Tteotda tteotda bihaenggi" (mi re do re mi mi mi ...)')
    melody_ax.legend(fontsize=8, loc="lower left", ncol=2)
    melody_ax.grid(alpha=0.3)
    return save_figure(fig, path)


def main(argv=None) -> Result:
    args = parse_example_args(__doc__.splitlines()[0], argv)
    series_steps, melody_epochs = (300, 150) if args.quick else (1500, 300)

    print_course_table()
    course_rows, maes = {}, {}
    for horizon in (1, 2):
        model, maes[horizon] = train_series(horizon, series_steps, args.seed)
        course_rows[horizon] = continue_course_series(model, horizon)
    print(f"\ntanh RNN trained on {series_steps} batches of random straight lines; on the slide's windows:")
    for (window, label, one), (_, label2, two) in zip(course_rows[1], course_rows[2]):
        print(f"  {' '.join(f'{v:g}' for v in window):15} -> {label[0]:g} (RNN {one[0]:.2f})    "
              f"-> {label2[0]:g} {label2[1]:g} (RNN {two[0]:.2f} {two[1]:.2f})")
    print(f"MAE on 1000 held-out lines: single-step {maes[1]:.3f}, two-step {maes[2]:.3f} "
          f"(slopes up to ±3 per step; target <= {MAE_TARGET})")

    notes = np.array([NOTES.index(n) for n in MELODY.replace(" ", "")])
    model = train_melody(notes, melody_epochs)
    with mg.no_grad():
        scores, _ = model(one_hot(notes[:-1], len(NOTES), dtype=mg.float32).unsqueeze(0))
    predicted = scores.numpy()[0].argmax(axis=1)
    accuracy = float(np.mean(predicted == notes[1:]))
    played = play(model, notes[0], len(notes))
    slide = predicted[5]                           # after 미 레 도 레 미 미 (the slide's "Single" row)
    multi = play(model, notes[0], 10)[7:]          # after 미레도레미미미 (its "Multi" row)
    print(f"\nmelody (떴다 떴다 비행기), {len(notes)} notes, tanh RNN, {melody_epochs} epochs:")
    print(f"  the slide: 미 레 도 레 미 미 -> 미; the RNN says {NOTES[slide]}.  "
          f"미레도레미미미 -> 레레레; the RNN plays {''.join(NOTES[i] for i in multi)}")
    # Each guess sits under the note it predicts (a Hangul note is two columns wide, plus a space).
    print(f"  the song:               {spell(notes)}")
    print(f"  next note, reading it:  {'   ' + spell(predicted)}")
    print(f"  played alone from {NOTES[notes[0]]}:   {spell(played)}")
    print(f"next-note accuracy {accuracy:.3f} ({int(np.sum(predicted == notes[1:]))}/{len(predicted)}); "
          f"played alone, {int(np.sum(np.array(played) == notes))}/{len(notes)} notes right")

    path = plot(course_rows, notes, predicted, played, os.path.join(args.out, "rnn_sequences.png"))
    passed = accuracy >= MELODY_TARGET and max(maes.values()) <= MAE_TARGET
    return Result(metric="melody next-note accuracy", value=accuracy,
                  target=f">= {MELODY_TARGET} and series MAE <= {MAE_TARGET}", passed=passed,
                  details={"series_mae_single": maes[1], "series_mae_multi": maes[2],
                           "played": spell(played)}, plots=[path])


if __name__ == "__main__":
    raise SystemExit(exit_code(main()))
