"""The dashboard's pages in menu order: (file, title, icon). No NumPy, pandas or Altair here:
app.py builds its menu from this before the rest of the package has loaded."""

PAGES = (
    ("pages/lecture.py", "Lecture", ":material/school:"),
    ("pages/corpus.py", "Corpus", ":material/description:"),
    ("pages/train.py", "Train", ":material/model_training:"),
    ("pages/heatmaps.py", "Heatmaps", ":material/grid_on:"),
    ("pages/map.py", "Map", ":material/scatter_plot:"),
    ("pages/neighbours.py", "Neighbours", ":material/hub:"),
    ("pages/dynamics.py", "Dynamics", ":material/timeline:"),
    ("pages/compare.py", "Compare", ":material/compare_arrows:"),
    ("pages/quality.py", "Quality over epochs", ":material/fact_check:"),
    ("pages/bias_variance.py", "Bias–variance over d", ":material/tune:"),
    ("pages/finetune.py", "Fine-tune", ":material/swap_horiz:"),
    ("pages/export.py", "Export", ":material/download:"),
)
DEFAULT_PAGE = "pages/lecture.py"
