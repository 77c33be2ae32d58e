"""Reference for the training tests: the models Lathe builds, in PyTorch — the MLP (x @ W + b, ReLU between layers)
and the pre-LN transformer encoder classifier of src/core/train/presets/transformer.ts.

stdin: a list of requests, each {"model": "mlp" (default) | "transformer", "config": {dModel, heads} (transformer),
        "weights": {name: [values]}, "dims": {name: [dims]}, "layers": n, "x": [...], "x_dims": [...],
        "labels": [...], "optimizer": null | {"kind": "sgd"|"adamw", ...}, "steps": k, "lr": f, "clip_norm": null|f}
stdout: the list of results, each {"loss": f, "grads": {name: [values]}, "after": [{name: [values]} per step]}
"""
import json
import math
import sys

import torch

torch.set_default_dtype(torch.float32)


def mlp(params, x, layers):
    h = x
    for i in range(layers):
        h = h @ params[f"fc{i}.weight"] + params[f"fc{i}.bias"]
        if i + 1 < layers:
            h = torch.relu(h)
    return h


def transformer(params, x, layers, config):
    d, heads = config["dModel"], config["heads"]
    head_dim = d // heads
    batch, seq = x.shape
    F = torch.nn.functional

    def linear(name, v):
        return v @ params[f"{name}.weight"] + params[f"{name}.bias"]

    def norm(name, v):
        return F.layer_norm(v, (d,), params[f"{name}.weight"], params[f"{name}.bias"], eps=1e-5)

    def split(v):
        return v.reshape(batch, seq, heads, head_dim).transpose(1, 2)

    h = params["embed.weight"][x] + params["pos.weight"]
    for i in range(layers):
        p = f"layer{i}"
        a = norm(f"{p}.ln1", h)
        q, k, v = (split(linear(f"{p}.attn.{n}_proj", a)) for n in "qkv")
        probs = torch.softmax(q @ k.transpose(-1, -2) * (1 / math.sqrt(head_dim)), dim=-1)
        context = (probs @ v).transpose(1, 2).reshape(batch, seq, d)
        h = h + linear(f"{p}.attn.o_proj", context)
        h = h + linear(f"{p}.ffn.fc2", F.gelu(linear(f"{p}.ffn.fc1", norm(f"{p}.ln2", h))))
    return linear("head", norm("final_ln", h).mean(dim=1))


def run(req):
    params = {n: torch.tensor(v, dtype=torch.float32).reshape(req["dims"][n]).requires_grad_() for n, v in req["weights"].items()}
    is_transformer = req.get("model") == "transformer"
    x = torch.tensor(req["x"], dtype=torch.int64 if is_transformer else torch.float32).reshape(req["x_dims"])
    labels = torch.tensor(req["labels"], dtype=torch.int64)

    def loss_fn():
        logits = transformer(params, x, req["layers"], req["config"]) if is_transformer else mlp(params, x, req["layers"])
        return torch.nn.functional.cross_entropy(logits, labels)

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
