"""Convolution by hand (p.29): a 3×3 filter slides over a 5×5 image, then stride, zero padding and output size.

Each output of a convolution layer is the sum of one window of the image multiplied elementwise by
the filter; sliding the window gives the feature map.  Deep-learning libraries compute exactly this
(strictly, a cross-correlation: the filter is not flipped).  The example prints every step, checks
the hand result against ``F.conv2d`` on every kernel backend, and explains the output size
(W − F + 2P)/S + 1 and the slide's second, zero-padded stride-2 example.
"""
from __future__ import annotations

import os

import numpy as np

import minigrad as mg
import minigrad.nn.functional as F
from minigrad.course import Result, exit_code, parse_example_args
from minigrad.viz import save_figure

# p.29, first example: the 5×5 binary image and the classic 3×3 filter (no padding, stride 1)
IMAGE = np.array([[1, 1, 1, 0, 0],
                  [0, 1, 1, 1, 0],
                  [0, 0, 1, 1, 1],
                  [0, 0, 1, 1, 0],
                  [0, 1, 1, 0, 0]])
FILTER = np.array([[1, 0, 1],
                   [0, 1, 0],
                   [1, 0, 1]])
# p.29, second example: the 5×5 image inside the slide's 7×7 zero-padded grid, and the filter its
# subscripts show (zero padding 1, stride 2)
IMAGE2 = np.array([[2, 2, 3, 3, 3],
                   [0, 1, 3, 0, 3],
                   [2, 3, 0, 1, 3],
                   [3, 3, 2, 1, 2],
                   [3, 3, 0, 2, 3]])
FILTER2 = np.array([[2, 0, 1],
                    [1, 0, 0],
                    [0, 1, 1]])
SLIDE_PRINTED = np.array([[1, 6, 5], [7, 10, 9], [7, 10, 8]])   # the output the slide prints


def output_size(W: int, F: int, P: int, S: int) -> int:
    """(W − F + 2P)/S + 1, rounded down when the filter does not fit a last time (as PyTorch does)."""
    return (W - F + 2 * P) // S + 1


def grid(rows, width: int = 2) -> list[str]:
    """A matrix as text lines; NaN (not computed yet) shows as a dot."""
    return [" ".join("." .rjust(width) if np.isnan(v) else f"{v:{width}.0f}" for v in row)
            for row in np.asarray(rows, dtype=float)]


def convolve_by_hand(image, kernel, stride=1, padding=0, show=None):
    """Slide ``kernel`` over the zero-padded ``image`` with ``stride``; each output is the sum of the
    window times the filter.  ``show`` = "blocks" prints each step in full, "lines" one line a step."""
    size = kernel.shape[0]
    padded = np.pad(image, padding)                                    # zeros all around
    out_size = output_size(image.shape[0], size, padding, stride)
    out = np.full((out_size, out_size), np.nan)
    for i in range(out_size):
        for j in range(out_size):
            top, left = i * stride, j * stride
            window = padded[top:top + size, left:left + size]
            products = window * kernel
            out[i, j] = products.sum()
            terms = " + ".join(f"{a}·{b}" for a, b in zip(window.ravel(), kernel.ravel()))
            if show == "lines":
                print(f"  out[{i},{j}]: rows {top}-{top + size - 1}, columns {left}-{left + size - 1}: "
                      f"{terms} = {out[i, j]:.0f}")
            elif show == "blocks":
                print(f"step {i * out_size + j + 1}: window at rows {top}-{top + size - 1}, "
                      f"columns {left}-{left + size - 1}")
                print(f"  {'window':<{3 * size}}   {'× filter':<{3 * size}}   {'= products':<{3 * size}}   "
                      f"{'sum':<4}   feature map")
                for r, (w, k, p, m) in enumerate(zip(grid(window), grid(kernel), grid(products), grid(out))):
                    total = f"{out[i, j]:.0f}" if r == size // 2 else ""
                    print(f"  {w:<{3 * size}}   {k:<{3 * size}}   {p:<{3 * size}}   {total:<4}   {m}")
                print(f"  sum = {' + '.join(str(p) for p in products.ravel())} = {out[i, j]:.0f}")
    return out


def conv2d_on_every_backend(image, kernel, stride, padding) -> dict:
    """F.conv2d of the image with the filter on each available backend, as 2-D arrays."""
    x = mg.tensor(image[None, None], dtype=mg.float64)   # [batch, channels, height, width] = [1, 1, 5, 5]
    w = mg.tensor(kernel[None, None], dtype=mg.float64)  # [out channels, in channels, 3, 3] = [1, 1, 3, 3]
    results = {}
    for backend in mg.available_backends():
        with mg.use_backend(backend):
            results[backend] = F.conv2d(x, w, stride=stride, padding=padding).numpy()[0, 0]
    return results


def draw_grid(ax, values, title, cmap="Blues", boxes=(), pad=0):
    """One matrix as an annotated grid; ``boxes`` are (row, col, size, colour, linestyle) outlines;
    the outer ``pad`` rings (zero padding) are greyed."""
    from matplotlib.patches import Rectangle

    values = np.asarray(values, dtype=float)
    ax.imshow(values, cmap=cmap, vmin=min(0, values.min()), vmax=values.max() * 1.6 or 1)
    for (r, c), v in np.ndenumerate(values):
        ax.text(c, r, f"{v:.0f}", ha="center", va="center", fontsize=12,
                color="0.6" if pad and not (pad <= r < len(values) - pad and pad <= c < len(values) - pad)
                else "black")
    for r, c, size, colour, style in boxes:
        ax.add_patch(Rectangle((c - 0.5, r - 0.5), size, size, fill=False, edgecolor=colour, linewidth=3,
                               linestyle=style, clip_on=False))
    ax.set_xticks(range(values.shape[1]))
    ax.set_yticks(range(values.shape[0]))
    ax.set_xlabel("column")
    ax.set_ylabel("row")
    ax.set_title(title, fontsize=11)


def plot_convolutions(feature_map, feature_map2, path) -> str:
    """Both p.29 examples as grids: image, filter, feature map, with the first two windows outlined."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 3, figsize=(11, 9.5), gridspec_kw={"width_ratios": [7, 4, 4]})
    first, second = ("red", "-"), ("darkorange", "--")
    draw_grid(axes[0, 0], IMAGE, "5×5 image (no padding)", boxes=[(0, 0, 3, *first), (0, 1, 3, *second)])
    draw_grid(axes[0, 1], FILTER, "3×3 filter", cmap="Greens")
    draw_grid(axes[0, 2], feature_map, "feature map, stride 1\n(5 − 3 + 2·0)/1 + 1 = 3", cmap="Oranges",
              boxes=[(0, 0, 1, *first), (0, 1, 1, *second)])
    draw_grid(axes[1, 0], np.pad(IMAGE2, 1), "5×5 image, zero padded to 7×7 (P = 1, grey)", pad=1,
              boxes=[(0, 0, 3, *first), (0, 2, 3, *second)])
    draw_grid(axes[1, 1], FILTER2, "3×3 filter", cmap="Greens")
    draw_grid(axes[1, 2], feature_map2, "feature map, stride 2\n(5 − 3 + 2·1)/2 + 1 = 3", cmap="Oranges",
              boxes=[(0, 0, 1, *first), (0, 1, 1, *second)])
    fig.suptitle("p.29: each output = sum of (window × filter), output size (W − F + 2P)/S + 1\n"
                 "red: the first window and its output; orange: the next (1 column on at stride 1, 2 at stride 2)",
                 fontsize=11)
    return save_figure(fig, path)


def main(argv=None) -> Result:
    args = parse_example_args(__doc__.splitlines()[0], argv)

    print("p.29, first example: the 5×5 image, the 3×3 filter, no padding, stride 1")
    print("image:", *grid(IMAGE), sep="\n  ")
    print("filter:", *grid(FILTER), sep="\n  ")
    print()
    feature_map = convolve_by_hand(IMAGE, FILTER, show="blocks")
    print("feature map:", *grid(feature_map), sep="\n  ")
    print(f"Its first output is {feature_map[0, 0]:.0f}, as the slide shows: the top-left window has a 1 under four of "
          "the filter's five ones.\n")

    print("Output size: (W − F + 2P)/S + 1 for a W×W image, an F×F filter, zero padding P and stride S")
    print("(the slide's TensorFlow strides [1, S, S, 1] are per axis of [batch, height, width, channels]).")
    print(f"  {'W':>3} {'F':>3} {'P':>3} {'S':>3}  {'output':>6}  F.conv2d  note")
    cases = [(5, 3, 0, 1, "the first example: the image shrinks by F − 1"),
             (5, 3, 1, 1, "P = (F − 1)/2 = 1 keeps the size"),
             (5, 3, 1, 2, "the second example: the window moves 2 pixels at a time"),
             (6, 3, 0, 2, "(6 − 3)/2 + 1 = 2.5: the filter does not fit a third time, rounded down"),
             (8, 3, 1, 1, "example 14's convolutions on the 8×8 digits"),
             (28, 5, 2, 1, "LeNet-5's first layer (example 15): P = (5 − 1)/2 = 2 keeps 28×28")]
    sizes_agree = True
    for W, K, P, S, note in cases:
        shape = F.conv2d(mg.zeros(1, 1, W, W), mg.zeros(1, 1, K, K), stride=S, padding=P).shape
        sizes_agree &= shape[-1] == output_size(W, K, P, S)
        print(f"  {W:>3} {K:>3} {P:>3} {S:>3}  {output_size(W, K, P, S):>6}  {shape[-1]:>8}  {note}")
    print("Why (F − 1)/2: with stride 1 the output is W − F + 2P + 1 wide; P = (F − 1)/2 makes that\n"
          "W − F + (F − 1) + 1 = W.  Without padding every layer loses F − 1 pixels and the border pixels are\n"
          "covered by fewer windows than the centre ones; an odd F makes (F − 1)/2 a whole number.\n")

    print("p.29, second example: a 5×5 image zero padded to 7×7 (P = 1), stride 2")
    print("padded image:", *grid(np.pad(IMAGE2, 1)), sep="\n  ")
    print("filter:", *grid(FILTER2), sep="\n  ")
    feature_map2 = convolve_by_hand(IMAGE2, FILTER2, stride=2, padding=1, show="lines")
    print("feature map:", *grid(feature_map2), sep="\n  ")
    difference = (SLIDE_PRINTED - feature_map2).astype(int).tolist()
    print(f"The slide prints {SLIDE_PRINTED.tolist()} instead.  Its picture is one frame of a three-channel\n"
          "demo (as in the CS231n notes' animation): a 5×5×3 input padded to 7×7×3, 3×3×3 filters and a bias\n"
          "b = 1.  Each printed output is the sum over all three channels plus the bias, but the slide shows\n"
          "only the first channel and the first slice of the filter.  The difference, printed − single channel =\n"
          f"{difference}, is what the two unseen channels and the bias add: it cannot be checked from the slide.\n")

    agree = {}
    for name, hand, image, kernel, stride, padding in (("first", feature_map, IMAGE, FILTER, 1, 0),
                                                        ("second", feature_map2, IMAGE2, FILTER2, 2, 1)):
        for backend, out in conv2d_on_every_backend(image, kernel, stride, padding).items():
            agree[f"{name}/{backend}"] = float(np.abs(out - hand).max())
    backends = mg.available_backends()
    print("by hand vs F.conv2d, largest difference:",
          ", ".join(f"{key} {diff:g}" for key, diff in agree.items()))
    matches = all(diff == 0 for diff in agree.values()) and sizes_agree
    first = float(feature_map[0, 0])
    print(f"first output {first:.0f} (slide: 4); by hand = F.conv2d on {', '.join(backends)}: {matches}")

    plot = plot_convolutions(feature_map, feature_map2, os.path.join(args.out, "convolution_by_hand.png"))
    return Result(metric="first output (p.29)", value=first,
                  target=f"= 4, and by hand = F.conv2d on {'/'.join(backends)}",
                  passed=first == 4 and matches, plots=[plot],
                  details={"max_difference": agree, "feature_map": feature_map.tolist(),
                           "feature_map_padded_stride2": feature_map2.tolist()})


if __name__ == "__main__":
    raise SystemExit(exit_code(main()))
