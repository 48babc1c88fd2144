"""How wide a word is in the panel's font, without a browser or a font file: a table of advances.

The lesson panel's SVG places its words where nothing else is (`views.labels`), so it must know
their widths before any browser draws them, and in a kernel that has no font library (Pyodide).
The table holds DejaVu Sans's advance widths (normal and bold), in thousandths of an em, read
from the font matplotlib ships (`ft2font`, `linearHoriAdvance`, unhinted). Kerning is left out:
it only narrows a word, so a box estimated here holds the word as drawn. A character the table
lacks counts as a full em. The SVG also gives each word this width as its `textLength`, so a
browser that draws another font (Verdana, the sans-serif fallback) spaces the word to the same
width: the boxes stay true in every browser.
"""

from __future__ import annotations

FAMILY = "'DejaVu Sans', Verdana, 'Bitstream Vera Sans', sans-serif"
ASCENT, DESCENT = 0.93, 0.24  # of the font size, above and below the baseline (DejaVu Sans: 1901, 483 of 2048)

_ASCII = (  # advances of ' ' (32) to '~' (126): normal, then bold
    (318, 401, 460, 838, 636, 950, 780, 275, 390, 390, 500, 838, 318, 361, 318, 337, 636, 636, 636, 636, 636, 636,
     636, 636, 636, 636, 337, 337, 838, 838, 838, 531, 1000, 684, 686, 698, 770, 632, 575, 775, 752, 295, 295, 656,
     557, 863, 748, 787, 603, 787, 695, 635, 611, 732, 684, 989, 685, 611, 685, 390, 337, 390, 838, 500, 500, 613,
     635, 550, 635, 615, 352, 635, 634, 278, 278, 579, 278, 974, 634, 612, 635, 635, 411, 521, 392, 634, 592, 818,
     592, 592, 525, 636, 337, 636, 838),
    (348, 456, 521, 838, 696, 1002, 872, 306, 457, 457, 523, 838, 380, 415, 380, 365, 696, 696, 696, 696, 696, 696,
     696, 696, 696, 696, 400, 400, 838, 838, 838, 580, 1000, 774, 762, 734, 830, 683, 683, 821, 837, 372, 372, 775,
     637, 995, 837, 850, 733, 850, 770, 720, 682, 812, 774, 1103, 771, 724, 725, 457, 365, 457, 838, 500, 500, 675,
     716, 593, 716, 678, 435, 716, 712, 343, 343, 665, 343, 1042, 712, 687, 716, 716, 493, 595, 478, 712, 652, 924,
     645, 652, 582, 712, 365, 712, 838),
)
_OTHER = {  # the non-ASCII characters the figures write: (normal, bold)
    "→": (838, 838), "←": (838, 838), "·": (318, 380), "…": (1000, 1000), "×": (838, 838), "–": (500, 500),
    "—": (1000, 1000), "°": (500, 500), "µ": (636, 736), "é": (615, 678), "è": (615, 678), "à": (613, 675),
    "ü": (634, 712), "ö": (612, 687), "ä": (613, 675), "ß": (630, 719), "↻": (838, 838), "⚑": (896, 896),
    "⚐": (896, 896),
}
_CACHE: dict[tuple[str, float, bool], float] = {}


def text_width(text: str, size: float, bold: bool = False) -> float:
    """The width of `text` at font size `size` (the unit of the size: pixels, or the SVG's user units)."""
    key = (text, size, bold)
    width = _CACHE.get(key)
    if width is None:
        table = _ASCII[bold]
        units = 0
        for ch in text:
            code = ord(ch)
            units += table[code - 32] if 32 <= code < 127 else _OTHER.get(ch, (1000, 1000))[bold]
        width = _CACHE[key] = units * size / 1000
        if len(_CACHE) > 20000:
            _CACHE.clear()
    return width
