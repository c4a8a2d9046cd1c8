"""The shipped default runs (data/default_runs) are what a fresh training gives now."""

import functools

import numpy as np
import pytest

from embedlab.config import CorpusOptions, DashboardSettings
from embedlab.runs.evaluate import scorer_for
from embedlab.store import load_run
from embedlab.text.corpus import load_corpus
from embedlab.text.prepared import prepare
from embedlab.train.training import SHIPPED_RUNS, cache_path, train

ROLES = [role for role, _ in DashboardSettings().runs()]
CORPORA = ["toy", "toy-vi"]


@functools.lru_cache(maxsize=len(CORPORA))
def _prepared(name: str):
    return prepare(load_corpus(name), CorpusOptions(source=name, min_count=DashboardSettings().min_count))


@pytest.fixture(params=["toy", pytest.param("toy-vi", marks=pytest.mark.slow)])
def toy(request):
    """A toy corpus prepared; the Vietnamese one's fresh trainings run with the slow tests."""
    return _prepared(request.param)


def shipped(prepared, role):
    options = dict(DashboardSettings().runs())[role]
    return load_run(cache_path(prepared, options, SHIPPED_RUNS, scorer_for(prepared.vocab, prepared.corpus.name)))


@pytest.mark.parametrize("corpus", CORPORA)
@pytest.mark.parametrize("role", ROLES)
def test_shipped_runs_carry_the_current_cache_key(corpus, role):
    """The key hashes the settings and the source of the maths: a change to either makes the
    shipped run stale, and then `python data/make_default_runs.py` ships it again."""
    toy = _prepared(corpus)
    options = dict(DashboardSettings().runs())[role]
    name = cache_path(toy, options, SHIPPED_RUNS, scorer_for(toy.vocab, toy.corpus.name)).name
    assert (SHIPPED_RUNS / name).is_dir(), f"stale default runs: run `python data/make_default_runs.py` ({name})"
    load_run(SHIPPED_RUNS / name, verify=True)


@pytest.mark.parametrize("corpus", CORPORA)
@pytest.mark.parametrize("role", ROLES)
def test_the_shipped_toy_runs_show_their_planted_structure(corpus, role):
    """The planted analogy (king − man + woman ≈ queen; vua − đàn_ông + phụ_nữ ≈ hoàng_hậu) ranks
    first by the last epoch, and the planted groups are blocks (within-group cosine well above
    between-group, from none at epoch 0), on both trainers."""
    from embedlab.runs.analogies import analogy
    from embedlab.runs.analysis import separation_over_epochs
    from embedlab.text.builtin_corpora import planted_analogy, planted_groups

    prepared = _prepared(corpus)
    run = shipped(prepared, role)
    a, b, c, expected = planted_analogy(corpus)
    assert analogy(run.input_vectors[-1], prepared.vocab, a, b, c)["word"].iloc[0] == expected
    separation = separation_over_epochs(run.input_vectors, prepared.vocab, planted_groups(corpus))
    assert abs(separation["gap"].iloc[0]) < 0.05 and separation["gap"].iloc[-1] > 0.4


@pytest.mark.slow
@pytest.mark.parametrize("role", ROLES)
def test_shipped_runs_equal_a_fresh_training(toy, role, tmp_path):
    options = dict(DashboardSettings().runs())[role]
    scorer = scorer_for(toy.vocab, toy.corpus.name)
    shipped = load_run(cache_path(toy, options, SHIPPED_RUNS, scorer))
    fresh = train(toy, options, tmp_path / "fresh", scorer=scorer)
    # float32 round-off only (a BLAS may sum in another order on another CPU)
    np.testing.assert_allclose(fresh.input_vectors, shipped.input_vectors, rtol=1e-3, atol=1e-4)
    np.testing.assert_allclose(fresh.output_vectors, shipped.output_vectors, rtol=1e-3, atol=1e-4)
    np.testing.assert_allclose(fresh.metrics["loss"], shipped.metrics["loss"], rtol=1e-4)


def test_seed_cache_copies_missing_runs_atomically_and_keeps_existing_ones(tmp_path):
    from embedlab.train.training import seed_cache

    shipped = tmp_path / "shipped"
    (shipped / "run-a").mkdir(parents=True)
    (shipped / "run-a" / "config.json").write_text("{}")
    (shipped / "run-b").mkdir()
    cache = tmp_path / "cache"
    (cache / "run-b").mkdir(parents=True)  # already there: left alone
    assert [p.name for p in seed_cache(shipped, cache)] == ["run-a"]
    assert sorted(p.name for p in cache.iterdir()) == ["run-a", "run-b"]
    assert seed_cache(shipped, cache) == []


def test_the_maths_fingerprint_reads_code_not_comments_or_docstrings():
    """code_lines drops only comments, docstrings and blank lines: what is left of every maths
    module parses to the module's own syntax tree with its docstrings removed."""
    import ast
    from pathlib import Path

    import embedlab
    from embedlab.train.fingerprint import MATHS_MODULES, code_lines

    def without_docstrings(tree):
        for node in ast.walk(tree):
            body = getattr(node, "body", None)
            if isinstance(body, list) and len(body) > 1 and isinstance(body[0], ast.Expr):
                if isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str):
                    node.body = body[1:]
        return ast.dump(tree)

    package = Path(embedlab.__file__).parent
    for name in MATHS_MODULES:
        source = (package / name).read_text(encoding="utf-8")
        code = "\n".join(code_lines(source))
        assert ast.dump(ast.parse(code)) == without_docstrings(ast.parse(source)), name


def test_a_comment_leaves_the_fingerprint_and_a_changed_number_moves_it():
    from embedlab.train.fingerprint import code_lines

    source = 'def f(x):\n    """Twice x."""\n    return 2 * x  # doubled\n'
    reworded = 'def f(x):\n    """x, doubled."""\n\n    # why: ...\n    return 2 * x  # times two\n'
    changed = 'def f(x):\n    """Twice x."""\n    return 3 * x  # doubled\n'
    assert code_lines(reworded) == code_lines(source) != code_lines(changed)
