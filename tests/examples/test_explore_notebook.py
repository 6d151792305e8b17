"""``examples/explore.ipynb`` runs top to bottom in a real Jupyter kernel, and is kept clean.

The kernel is the one of this Python (a kernelspec written for ``sys.executable`` into a
temporary directory first on ``JUPYTER_PATH``), so the notebook runs against the SDK under
test whatever kernels the machine has installed.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
import pytest
from ipykernel.kernelspec import write_kernel_spec
from nbclient import NotebookClient

NOTEBOOK = Path(__file__).resolve().parents[2] / "examples" / "explore.ipynb"
KERNEL = "tallyfy-async-tests"


@pytest.fixture
def kernel(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A kernelspec named :data:`KERNEL` that starts this very Python."""
    kernels = tmp_path / "jupyter" / "kernels"
    write_kernel_spec(kernels / KERNEL, overrides={"argv": [
        sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"
    ], "display_name": KERNEL})  # fmt: skip
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    monkeypatch.setenv("PYTHONPATH", str(NOTEBOOK.parents[1]))
    return KERNEL


def test_the_notebook_runs_top_to_bottom_in_a_kernel(kernel: str, tmp_path: Path) -> None:
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    client = NotebookClient(
        notebook,
        kernel_name=kernel,
        timeout=120,
        allow_errors=False,  # any cell error fails the run
        resources={"metadata": {"path": str(tmp_path)}},
    )
    client.execute()
    outputs = {
        index: cell.outputs for index, cell in enumerate(notebook.cells) if cell.cell_type == "code"
    }
    rendered = [
        out.get("data", {}).get("text/html", "") for cells in outputs.values() for out in cells
    ]
    assert any("<b>Page 1/" in html for html in rendered)  # the page as one table
    assert any("<b>Process(id=" in html for html in rendered)  # a model as a table
    assert any("<b>" in html and "Task" in html for html in rendered)
    assert any("dataframe" in html for html in rendered)  # pandas tables
    texts = "".join(out.get("text", "") for cells in outputs.values() for out in cells)
    assert "404 RESOURCE_NOT_FOUND" in texts  # the error, shown
    assert not [out for cells in outputs.values() for out in cells if out.output_type == "error"]


def test_the_notebook_is_stored_without_outputs() -> None:
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(notebook)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert len(code) >= 8
    for cell in code:
        assert cell.outputs == [] and cell.execution_count is None, cell.source[:60]
    assert set(notebook.metadata) <= {"kernelspec", "language_info"}
