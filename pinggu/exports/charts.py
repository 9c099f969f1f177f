"""Charts of the results summary, drawn on the server with matplotlib (no display: the Agg backend) in the CJK
font the project ships (pinggu/lib/fonts), so a machine without Chinese fonts draws no tofu boxes."""

import io
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # before pyplot: a server has no display

from matplotlib import font_manager  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

FONT_FILE = Path(__file__).resolve().parent.parent / "lib" / "fonts" / "NotoSansSC-Regular-GB2312.ttf"
_family: str | None = None


def font_family() -> str:
    """The vendored font's family name, registered with matplotlib once."""
    global _family
    if _family is None:
        font_manager.fontManager.addfont(str(FONT_FILE))
        _family = font_manager.FontProperties(fname=str(FONT_FILE)).get_name()
    return _family


def _figure(width=6.3, height=3.4):
    figure = Figure(figsize=(width, height), dpi=150)
    return figure, figure.add_subplot()


def _style(ax):
    family = font_family()
    for item in [ax.title, ax.xaxis.label, ax.yaxis.label, *ax.get_xticklabels(), *ax.get_yticklabels()]:
        item.set_fontfamily([family, "DejaVu Sans"])
    ax.spines[["top", "right"]].set_visible(False)


def _png(figure) -> bytes:
    buffer = io.BytesIO()
    figure.tight_layout()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


BINS = ((0, 60, "60分以下"), (60, 70, "60–70"), (70, 80, "70–80"), (80, 90, "80–90"), (90, None, "90分及以上"))


def distribution(totals: list[float]) -> bytes:
    """How many units in each score band (bars), as PNG."""
    counts = [sum(1 for t in totals if t >= low and (high is None or t < high)) for low, high, _ in BINS]
    figure, ax = _figure()
    bars = ax.bar([label for _, _, label in BINS], counts, color="#1f5fa8")
    ax.bar_label(bars, fontsize=9)
    ax.set_title("得分分布")
    ax.set_xlabel("得分区间")
    ax.set_ylabel("单位数")
    ax.yaxis.get_major_locator().set_params(integer=True)
    _style(ax)
    return _png(figure)


def indicator_averages(rows: list[tuple[str, float, float]]) -> bytes:
    """Per 一级 indicator: (label, average score, maximum), as horizontal bars of the average rate."""
    figure, ax = _figure(height=max(2.4, 0.45 * len(rows) + 1.2))
    labels = [label for label, _, _ in rows][::-1]
    rates = [(avg / top * 100 if top else 0) for _, avg, top in rows][::-1]
    bars = ax.barh(labels, rates, color="#c0392b")
    ax.bar_label(bars, labels=[f"{avg:.2f}/{top:g}" for _, avg, top in rows][::-1], fontsize=8, padding=3)
    ax.set_xlim(0, 115)
    ax.set_title("各一级指标平均得分率")
    ax.set_xlabel("平均得分率（%）")
    _style(ax)
    return _png(figure)
