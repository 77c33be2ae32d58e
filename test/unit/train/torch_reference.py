"""Reference for the training tests: the MLP Lathe builds (x @ W + b, ReLU between layers), in PyTorch.

stdin: a list of requests, each {"weights": {name: [values]}, "dims": {name: [dims]}, "layers": n, "x": [...], "x_dims": [...],
        "labels": [...], "optimizer": null | {"kind": "sgd"|"adamw", ...}, "steps": k, "lr": f, "clip_norm": null|f}
stdout: the list of results, each {"loss": f, "grads": {name: [values]}, "after": [{name: [values]} per step]}
"""
import json
import sys

import torch

torch.set_default_dtype(torch.float32)


def run(req):
    params = {n: torch.tensor(v, dtype=torch.float32).reshape(req["dims"][n]).requires_grad_() for n, v in req["weights"].items()}
    x = torch.tensor(req["x"], dtype=torch.float32).reshape(req["x_dims"])
    labels = torch.tensor(req["labels"], dtype=torch.int64)

    def loss_fn():
        h = x
        for i in range(req["layers"]):
            h = h @ params[f"fc{i}.weight"] + params[f"fc{i}.bias"]
            if i + 1 < req["layers"]:
                h = torch.relu(h)
        return torch.nn.functional.cross_entropy(h, labels)

    loss = loss_fn()
    loss.backward()
    out = {"loss": loss.item(), "grads": {n: p.grad.flatten().tolist() for n, p in params.items()}, "after": []}
    spec = req.get("optimizer")
    if spec:
        for p in params.values():
            p.grad = None
        ordered = list(params.values())
        if spec["kind"] == "sgd":
            opt = torch.optim.SGD(ordered, lr=req["lr"], momentum=spec.get("momentum", 0), weight_decay=spec.get("weightDecay", 0))
        else:
            opt = torch.optim.AdamW(ordered, lr=req["lr"], betas=(spec.get("beta1", 0.9), spec.get("beta2", 0.999)),
                                    eps=spec.get("eps", 1e-8), weight_decay=spec.get("weightDecay", 0.01))
        for _ in range(req["steps"]):
            opt.zero_grad()
            loss_fn().backward()
            if req.get("clip_norm") is not None:
                torch.nn.utils.clip_grad_norm_(ordered, req["clip_norm"])
            opt.step()
            out["after"].append({n: p.detach().flatten().tolist() for n, p in params.items()})
    return out


json.dump([run(r) for r in json.load(sys.stdin)], sys.stdout)
