"""The dashboard's pages in menu order: (file, title, icon). No NumPy, pandas or Altair here:
app.py builds its menu from this before the rest of the package has loaded.

The titles are English and marked for the catalog; :func:`pages` gives them in the current
language (a page's URL comes from its file name, so it is the same in every language).

>>> from embedlab.i18n import use
>>> with use("vi"):
...     pages()[0][1]
'Bài giảng'
"""

from embedlab.i18n import N_, _

PAGES = (
    ("pages/lecture.py", N_("Lecture"), ":material/school:"),
    ("pages/corpus.py", N_("Corpus"), ":material/description:"),
    ("pages/train.py", N_("Train"), ":material/model_training:"),
    ("pages/heatmaps.py", N_("Heatmaps"), ":material/grid_on:"),
    ("pages/map.py", N_("Map"), ":material/scatter_plot:"),
    ("pages/neighbours.py", N_("Neighbours"), ":material/hub:"),
    ("pages/dynamics.py", N_("Dynamics"), ":material/timeline:"),
    ("pages/compare.py", N_("Compare"), ":material/compare_arrows:"),
    ("pages/quality.py", N_("Quality over epochs"), ":material/fact_check:"),
    ("pages/bias_variance.py", N_("Bias–variance over d"), ":material/tune:"),
    ("pages/finetune.py", N_("Fine-tune"), ":material/swap_horiz:"),
    ("pages/export.py", N_("Export"), ":material/download:"),
)
DEFAULT_PAGE = "pages/lecture.py"


def pages() -> tuple[tuple[str, str, str], ...]:
    """:data:`PAGES` with the titles in the current language."""
    return tuple((path, _(title), icon) for path, title, icon in PAGES)
