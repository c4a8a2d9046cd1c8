"""The lecture's terms in Vietnamese and English, so that a student can go from the lecture note
(SEED.vi.md) to the English literature and back. The Lecture shows it.

``from_note``: the Vietnamese term is the note's own wording (the note keeps some English words,
such as *epoch*, *Bias*, *Overfitting*, and so does this interface); otherwise it is the
usual Vietnamese term this interface uses where the note has none.

>>> [term.english for term in TERMS if term.vietnamese == "từ trung tâm"]
['centre word']
>>> rows("vi")[0][:2] == (TERMS[0].vietnamese, TERMS[0].english)
True
"""

from __future__ import annotations

from dataclasses import dataclass

from embedlab.i18n import N_, _, current


@dataclass(frozen=True)
class Term:
    vietnamese: str
    english: str
    from_note: bool
    symbol: str = ""  # the formula's symbol, where the lecture has one


# In the lecture's order: §1 embeddings … §8 fine-tuning.
TERMS = (
    Term("biểu diễn từ (word embedding)", "word embedding", True, "v_w"),
    Term("không gian vector", "vector space", True, "ℝ^d"),
    Term("số chiều d", "dimension d", True, "d"),
    Term("ngữ nghĩa tương tự", "semantically similar (words)", True),
    Term("quan hệ ngữ nghĩa được bảo toàn tuyến tính", "linear semantic relations (analogies)", True),
    Term("phép tương tự", "analogy", False, "a − b + c"),
    Term("hàm mục tiêu", "objective function", True),
    Term("từ trung tâm", "centre word", True, "w"),
    Term("từ ngữ cảnh", "context word", True, "c"),
    Term("vector trung tâm", "centre (input) vector", True, "v"),
    Term("vector ngữ cảnh", "context (output) vector", False, "u"),
    Term("cửa sổ ngữ cảnh", "context window", False),
    Term("xác suất", "probability", True, "P(c | w)"),
    Term("hàm mất mát", "loss function", True, "L"),
    Term("softmax đầy đủ", "full softmax", False),
    Term("lấy mẫu âm", "negative sampling", False),
    Term("gradient cập nhật vector", "gradient of the loss w.r.t. the centre vector", True, "∂L/∂v_w"),
    Term("tốc độ học", "learning rate", False, "η"),
    Term("cập nhật", "update (SGD step)", True),
    Term("độ tương tự (cosine similarity)", "cosine similarity", True, "cos θ"),
    Term("góc giảm / góc tăng", "the angle shrinks / grows", True),
    Term("từ xuất hiện cùng nhau", "words that co-occur", True),
    Term("dịch chuyển", "displacement, move", True, "Δv"),
    Term("tích lũy của toàn bộ lịch sử gradient", "the sum of the whole history of gradient steps", True),
    Term("mã hóa vị trí (positional encoding)", "positional encoding", False, "p_i"),
    Term("ngẫu nhiên", "random", True),
    Term("Cluster hình thành (cụm hình thành)", "clusters form", True),
    Term("hội tụ", "convergence", True),
    Term("không gian ổn định", "the space stabilises", True),
    Term("Gradient tiệm cận 0", "the gradient norm tends to 0", True, "‖∇L‖ → 0"),
    Term("Regularization (chính quy hóa)", "regularisation", True, "λ‖v‖²"),
    Term("vector phình to vô hạn", "vectors growing without bound", True),
    Term("Overfitting (quá khớp)", "overfitting", True),
    Term("sai số kỳ vọng", "expected error", True, "𝔼[(y − f̂(x))²]"),
    Term("Bias (độ chệch)", "bias", True, "Bias²"),
    Term("Variance (phương sai)", "variance", True),
    Term("nhiễu", "noise", False, "σ²"),
    Term("tập giữ lại (held-out)", "held-out set", False),
    Term("quan hệ đồng xuất hiện", "co-occurrence", True),
    Term("Fine-tune theo domain", "domain fine-tuning", True),
    Term("độ trôi", "drift", False, "1 − cos"),
    Term("tối ưu phi lồi", "non-convex optimisation", True),
    Term("hyperparameter (siêu tham số)", "hyperparameter", True),
    Term("mất ổn định huấn luyện", "training instability", True),
    Term("ngữ liệu", "corpus", False),
)

TITLE = N_("Glossary: the lecture's terms in Vietnamese and English")
COLUMNS = (N_("Vietnamese"), N_("English"), N_("symbol"), N_("in the lecture note"))


def rows(language: str | None = None) -> list[tuple[str, str, str, str]]:
    """The glossary as table rows, the current language's term first (Vietnamese: the note's
    order; English: the English terms' order is the same, so both read alongside the note)."""
    language = language or current()
    yes, no = _("yes", language), _("no", language)
    first_vietnamese = language == "vi"
    return [
        ((term.vietnamese, term.english) if first_vietnamese else (term.english, term.vietnamese))
        + (term.symbol, yes if term.from_note else no)
        for term in TERMS
    ]


def columns(language: str | None = None) -> tuple[str, str, str, str]:
    """The table's column names in ``language``, in the order of :func:`rows`."""
    language = language or current()
    vietnamese, english, symbol, in_note = (_(name, language) for name in COLUMNS)
    return (vietnamese, english, symbol, in_note) if language == "vi" else (english, vietnamese, symbol, in_note)
