"""The book: its notebooks, in order, and the checks on them.

Notebooks are committed without outputs; papermill runs each one in a fresh kernel into a build
folder, and Jupyter Book renders those executed copies (DESIGN §5).
"""

from __future__ import annotations

import os
from pathlib import Path

import nbformat

# The chapters, in the design card's order.
NOTEBOOKS = (
    "01_data_mixing",
    "02_encoder_decoder",
    "03_adl_training",
    "04_evaluation",
    "05_latent_space_analysis",
)


def cells_with_outputs(path: str | os.PathLike[str]) -> list[int]:
    """Indices of the code cells of a notebook that carry outputs or an execution count.

    A committed notebook must have none: outputs go stale, bloat the history, and hide what the
    executor (papermill) really produced.
    """
    nb = nbformat.read(Path(path), as_version=4)
    return [i for i, cell in enumerate(nb.cells)
            if cell.cell_type == "code" and (cell.get("outputs") or cell.get("execution_count"))]
