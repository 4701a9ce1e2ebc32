"""The embedding model loads from the wheel's own files, with no network, and embeds as retrieval needs."""

from __future__ import annotations

import socket

import numpy as np
import pytest

from reportgen import embeddings
from tests.support import require


@pytest.fixture()
def model_loaded_offline(monkeypatch):
    """A fresh load of the model with every socket refused: it must need none."""
    require(embeddings.available(), "wordllama (pip install 'reportgen[embeddings]')")

    def refuse(*args, **kwargs):
        raise AssertionError(f"network use while loading the embedding model: {args!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    embeddings._model.cache_clear()
    assert embeddings._model() is not None
    yield
    embeddings._model.cache_clear()


def test_embeds_offline_as_unit_rows_in_input_order(model_loaded_offline):
    texts = ["I will send the minutes to everyone by Friday.", "Yeah.", "",
             "The remote control will have a rubber case and a yellow colour scheme."]
    vecs = embeddings.embed(texts)
    assert vecs is not None and vecs.shape == (4, embeddings.DIM) and vecs.dtype == np.float32
    norms = np.linalg.norm(vecs, axis=1)
    assert np.allclose(norms[[0, 1, 3]], 1.0, atol=1e-5)
    assert norms[2] in (0.0, pytest.approx(1.0, abs=1e-5))  # an empty text is never NaN
    # Sorting by length inside `embed` must not reorder the rows: each is the text's own vector.
    for k, t in enumerate(texts):
        if t:
            assert np.allclose(vecs[k], embeddings.embed([t])[0], atol=1e-5)
    assert embeddings.embed([]).shape == (0, embeddings.DIM)


def test_similar_meaning_scores_higher(model_loaded_offline):
    q, near, far = embeddings.embed(["who will do which task after the meeting",
                                      "Sam, can you email the budget to finance tomorrow?",
                                      "The football match went to penalties."])
    assert float(q @ near) > float(q @ far)


def test_missing_wordllama_means_no_embeddings(monkeypatch):
    monkeypatch.setattr(embeddings, "_model", lambda: None)
    assert embeddings.embed(["anything"]) is None
