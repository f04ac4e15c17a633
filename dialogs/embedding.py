"""What a description means beyond the words the quick check has weights for.

The learned model (dialogs/learned.py) only knows words it met in the tuning sets; a
page that says "I turn raw footage into polished videos" in words it never met reads as
nothing. A static word embedding places words of like meaning near each other, so a
second, small linear model over a description's embedding generalises where the word
model cannot. WordLlama's weights ship inside its wheel and are read from there, with
downloads disabled: nothing is fetched at run time.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import numpy as np


@cache
def _model() -> Any:
    # Imported here: it and its weights take about 90 MB, paid only by a
    # process that runs a quick check, not by one that only holds interviews.
    import wordllama  # noqa: PLC0415 - see above

    # Its own package folder holds the weights and the tokenizer it would otherwise look
    # for in a download cache.
    model = wordllama.WordLlama.load(cache_dir=Path(wordllama.__file__).parent, disable_download=True)
    # One text at a time needs no padding to a batch's longest.
    model.tokenizer.no_padding()
    return model


def embed(texts: list[str]) -> np.ndarray[Any, np.dtype[np.float64]]:
    """One unit-length row per text: the mean of its tokens' vectors, as WordLlama pools
    them; its own batching pads and masks every text, work a single description does not need."""
    model = _model()
    table = model.embedding
    vectors = np.zeros((len(texts), table.shape[1]))
    for row, encoding in enumerate(model.tokenizer.encode_batch(texts, add_special_tokens=False)):
        if encoding.ids:
            vectors[row] = table[encoding.ids].mean(axis=0, dtype=np.float64)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms == 0, 1.0, norms)


__all__ = ["embed"]
