"""Char-level LSTM (p.51): one-hot "hihell" in, "ihello" out — the predicted string after every epoch.

The course's example: each character is a one-hot vector over the vocabulary h, i, e, l, o; the
input is shaped [batch, time steps, features] = [1, 6, 5]; at every step the LSTM's output goes
through a linear layer to 5 scores, one per character, and the label is the next character.
The second "l" is the interesting step: after "hihel" the answer is "l", after "hihell" it is
"o", so the network must remember how far into the word it is — a plain lookup of the current
character cannot do it.
"""
from __future__ import annotations

import os

import numpy as np

import minigrad as mg
import minigrad.nn as nn
import minigrad.optim as optim
from minigrad.course import Result, exit_code, parse_example_args
from minigrad.data import CharVocab
from minigrad.viz import save_figure

WORD = "hihello"
MAX_EPOCHS = 30          # the target: "ihello" exactly within this many epochs


class CharLSTM(nn.Module):
    """LSTM over one-hot characters, then a linear layer to one score per character at every step."""

    def __init__(self, vocab_size: int, hidden_size: int):
        super().__init__()
        self.lstm = nn.LSTM(vocab_size, hidden_size, batch_first=True)
        self.out = nn.Linear(hidden_size, vocab_size)

    def forward(self, x):
        hs, _ = self.lstm(x)              # [batch, time, hidden]: the hidden state at every step
        return self.out(hs)               # [batch, time, vocab]


def print_table(vocab: CharVocab, text_in: str, text_out: str) -> None:
    """The slide's table: each input character, its one-hot row, and the label it should predict."""
    print(f"vocabulary (one-hot position): {', '.join(f'{ch}={i}' for i, ch in enumerate(vocab.itos))}")
    print(f"input shaped [batch, time steps, features] = [1, {len(text_in)}, {len(vocab)}]")
    print(" step  input  one-hot          label")
    for t, (ch, label) in enumerate(zip(text_in, text_out)):
        row = vocab.one_hot(ch).numpy().astype(int)[0].tolist()
        print(f" {t:4d}  {ch:^5}  {str(row):15}  {label}")


def plot(losses: list, predictions: list, path: str) -> str:
    import matplotlib.pyplot as plt

    epochs = np.arange(1, len(losses) + 1)
    fig, ax = plt.subplots(figsize=(8, 4.2))
    ax.plot(epochs, losses, marker="o", markersize=3)
    ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("cross-entropy (log scale)")
    ax.set_title('char-level LSTM: "hihell" -> "ihello"')
    # Label the epochs where the prediction changed, so the curve tells the story.
    previous = None
    for epoch, loss, text in zip(epochs, losses, predictions):
        if text != previous:
            ax.annotate(text, (epoch, loss), textcoords="offset points", xytext=(4, 6), fontsize=8,
                        family="monospace", color="tab:green" if text == WORD[1:] else "black")
            previous = text
    ax.margins(x=0.1, y=0.15)                 # room for the labels at both ends
    ax.grid(alpha=0.3)
    return save_figure(fig, path)


def main(argv=None) -> Result:
    args = parse_example_args(__doc__.splitlines()[0], argv)
    text_in, text_out = WORD[:-1], WORD[1:]        # "hihell" -> "ihello": each label is the next char
    vocab = CharVocab(WORD)                        # h, i, e, l, o in order of first appearance
    print_table(vocab, text_in, text_out)

    x = vocab.one_hot(text_in).unsqueeze(0)                    # [1, 6, 5]
    y = mg.tensor(np.array(vocab.encode(text_out)))            # [6] class indices
    model = CharLSTM(len(vocab), hidden_size=8)
    optimizer = optim.Adam(model.parameters(), lr=0.1)          # one sample: a large step is safe
    loss_fn = nn.CrossEntropyLoss()

    losses, predictions, solved_at = [], [], None
    for epoch in range(1, MAX_EPOCHS + 1):
        scores = model(x)[0]                                    # [6, 5]
        loss = loss_fn(scores, y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        predicted = vocab.decode(scores.numpy().argmax(axis=1))  # before this step's update
        losses.append(loss.item())
        predictions.append(predicted)
        print(f"epoch {epoch:2d}: {predicted}   (loss {loss.item():.4f})")
        if predicted == text_out:
            solved_at = epoch
            break

    path = plot(losses, predictions, os.path.join(args.out, "char_lstm.png"))
    epochs_used = solved_at if solved_at is not None else MAX_EPOCHS + 1
    print(f'"{text_in}" -> "{predictions[-1]}" ' +
          (f"right after {solved_at} epochs" if solved_at else f"still wrong after {MAX_EPOCHS} epochs"))
    return Result(metric="epochs until 'ihello'", value=epochs_used, target=f"<= {MAX_EPOCHS}",
                  passed=solved_at is not None, details={"predictions": predictions}, plots=[path])


if __name__ == "__main__":
    raise SystemExit(exit_code(main()))
