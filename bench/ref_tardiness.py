"""Plain Python / NumPy reference implementations for 1||ΣT_j (the anchor schedkit must beat).

Written for the benchmark, independently of the Rust core, the way a competent Python user
would write them from specs/tardiness.md (§1.3, §1.4, §2, §3.3): sorts with np.lexsort,
dispatching rules as O(n²) NumPy loops, the augmented rules as O(n³) NumPy loops, the local
search with vectorised move deltas, and Lawler's pruned DP as a recursive function with a
dict memo. The tie-breaks are the documented ones (specs §1.4, rules.rs docstrings), so the
sequences can be compared with schedkit's.

Every function takes float64 arrays p, d (and w where weights matter) and returns an int64
array of job ids in processing order.
"""

from __future__ import annotations

import bisect
import math
import sys

import numpy as np

__all__ = [
    "objective",
    "edd",
    "spt",
    "wspt",
    "mdd",
    "atc",
    "wi",
    "psk",
    "eddc",
    "mddc",
    "aug_mdd",
    "aug_mddc",
    "insertion",
    "lawler_dp",
    "RULES",
    "KNOWN_ANSWER_RULES",
]


def objective(p, d, seq, w=None) -> float:
    """Σ w_j max(0, C_j - d_j) of ``seq``."""
    seq = np.asarray(seq, dtype=np.int64)
    c = np.cumsum(p[seq])
    t = np.maximum(0.0, c - d[seq])
    if w is not None:
        t = t * w[seq]
    return float(t.sum())


# --------------------------------------------------------------------------- sorts


def edd(p, d):
    """By (d, id)."""
    return np.argsort(d, kind="stable").astype(np.int64)


def spt(p, d):
    """By (p, d, id) (np.lexsort is stable, last key primary)."""
    return np.lexsort((d, p)).astype(np.int64)


def wspt(p, d, w):
    """By (p/w, d, id); zero-weight jobs last."""
    safe_w = np.where(w > 0, w, 1.0)
    ratio = np.where(w > 0, p / safe_w, np.inf)
    return np.lexsort((d, ratio)).astype(np.int64)


# --------------------------------------------------------------------------- dispatching rules


def mdd(p, d):
    """Baker-Bertrand MDD: at t, argmin max(d_j, t + p_j), first id among minima. O(n²)."""
    n = len(p)
    done = np.zeros(n, dtype=bool)
    seq = np.empty(n, dtype=np.int64)
    score = np.empty(n)
    t = 0.0
    for k in range(n):
        np.maximum(d, t + p, out=score)
        score[done] = np.inf
        j = int(np.argmin(score))
        seq[k] = j
        done[j] = True
        t += p[j]
    return seq


def atc(p, d, k, w=None):
    """ATC with fixed look-ahead k: argmax (w/p)·exp(-max(0, d - p - t)/(k·p̄)), p̄ = mean p
    of all jobs; ties to the lowest id. O(n²). Compared in log space,
    ln(w/p) - max(0, d - p - t)/(k·p̄), since exp underflows to 0 for large slack (n >~ 1000)."""
    n = len(p)
    if w is None:
        w = np.ones(n)
    scale = k * p.mean()
    with np.errstate(divide="ignore"):
        log_ratio = np.log(w / p)  # -inf for zero weight
    slack = d - p
    done = np.zeros(n, dtype=bool)
    seq = np.empty(n, dtype=np.int64)
    t = 0.0
    for pos in range(n):
        prio = log_ratio - np.maximum(0.0, slack - t) / scale
        prio[done] = -np.inf
        j = int(np.argmax(prio))
        seq[pos] = j
        done[j] = True
        t += p[j]
    return seq


def wi(p, d, *, stats=None, step_cap="documented"):
    """Wilkerson-Irwin as documented in rules.rs: EDD list (ties p, id); pivot vs. list head with
    the MDD-form pairwise test (max(d, F+p), EDD rank); on failure the head is tested backwards
    against the fixed jobs, which return to the list until the last fixed job may stay before it.
    A step cap of min(2n³, 10^8) + 1024 finishes the unfixed jobs by MDD from the current time
    (as documented); ``step_cap=None`` removes it, an int sets it. ``stats`` (a dict), if given,
    receives ``steps`` and ``capped``."""
    n = len(p)
    pl = [float(x) for x in p]
    dl = [float(x) for x in d]
    order = sorted(range(n), key=lambda j: (dl[j], pl[j], j))
    rank = [0] * n
    for r, j in enumerate(order):
        rank[j] = r

    def first(x, y, f):
        return (max(dl[x], f + pl[x]), rank[x]) <= (max(dl[y], f + pl[y]), rank[y])

    fixed: list[int] = []
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    lst = list(range(1, n))  # ranks, ascending
    pivot = order[0]
    f = 0.0
    steps = 0
    if step_cap == "documented":
        cap = min(2 * n**3, 10**8) + 1024
    elif step_cap is None:
        cap = math.inf
    else:
        cap = int(step_cap)
    capped = False
    while lst:
        steps += 1
        if steps > cap:
            capped = True
            rest = sorted([pivot] + [order[r] for r in lst])
            t = f
            while rest:
                k = min(range(len(rest)), key=lambda i: (max(dl[rest[i]], t + pl[rest[i]]), i))
                j = rest.pop(k)
                t += pl[j]
                fixed.append(j)
            break
        g = order[lst[0]]
        if first(pivot, g, f):
            fixed.append(pivot)
            f += pl[pivot]
            lst.pop(0)
            pivot = g
            continue
        lst.pop(0)
        bisect.insort(lst, rank[pivot])
        while fixed:
            a = fixed[-1]
            if first(a, g, f - pl[a]):
                break
            fixed.pop()
            f -= pl[a]
            bisect.insort(lst, rank[a])
        pivot = g
    if not capped:
        fixed.append(pivot)
    if stats is not None:
        stats["steps"] = steps
        stats["capped"] = capped
    return np.asarray(fixed, dtype=np.int64)


def psk(p, d):
    """PSK exactly as specs §2 (the paper repo's PSK): SPT list (ties d, id), active job
    replaced by a later job with a smaller due date until d_active <= t + p_j."""
    lst = [int(j) for j in spt(p, d)]
    pl = p.tolist()
    dl = d.tolist()
    seq = []
    t = 0.0
    while lst:
        active = 0
        i0 = lst[0]
        if len(lst) > 1 and t + pl[i0] < dl[i0]:
            for pos in range(1, len(lst)):
                j = lst[pos]
                i = lst[active]
                if dl[i] <= t + pl[j]:
                    break
                if dl[i] <= dl[j]:
                    continue
                active = pos
        i = lst.pop(active)
        seq.append(i)
        t += pl[i]
    return np.asarray(seq, dtype=np.int64)


def eddc(p, d):
    """EDDC as the paper's code (specs §1.3): SPT start, one left-bubbling pass in which a job
    passes a later-due predecessor only while that predecessor is strictly early; the scan moves
    left even without a swap. Running prefix sums (O(n²))."""
    s = [int(j) for j in spt(p, d)]
    pl = p.tolist()
    dl = d.tolist()
    n = len(s)
    prefix = [0.0] * (n + 1)  # prefix[k] = Σ p over positions < k
    for k in range(n):
        prefix[k + 1] = prefix[k] + pl[s[k]]
    for i in range(1, n):
        j = i
        while j > 0 and dl[s[j]] < dl[s[j - 1]]:
            if dl[s[j - 1]] > prefix[j]:  # job at j-1 completes at prefix[j], strictly early
                prefix[j] = prefix[j - 1] + pl[s[j]]
                s[j], s[j - 1] = s[j - 1], s[j]
            j -= 1
    return np.asarray(s, dtype=np.int64)


def _mddc_scores(up, ud, t):
    pmax = up.max()
    pbar = up.mean()
    rho = np.minimum(up / (t + pmax), 1.0)
    r2 = rho * rho
    return np.maximum(1.1 * up + t, ud) * (1.0 + r2 / (1.0 + r2)) + up / (t + pbar)


def mddc(p, d):
    """MDDC (specs §1.4): U in EDD order (ties p, id), first minimum of μ wins. O(n²)."""
    ids = np.lexsort((p, d)).astype(np.int64)
    up = p[ids]
    ud = d[ids]
    seq = np.empty(len(p), dtype=np.int64)
    t = 0.0
    for pos in range(len(p)):
        k = int(np.argmin(_mddc_scores(up, ud, t)))
        j = int(ids[k])
        seq[pos] = j
        t += p[j]
        ids = np.delete(ids, k)
        up = np.delete(up, k)
        ud = np.delete(ud, k)
    return seq


def _augmented(p, d, base):
    """Bean-Hall augmentation (specs §1.4): after each append try moving every S[i], i < |S|-1,
    to the end; apply the first best move if strictly better. Move deltas for all i at once
    from an |S|x|S| matrix, so O(|S|²) NumPy work per step, O(n³) in all."""
    n = len(p)
    if base == "mdd":
        u = np.arange(n, dtype=np.int64)
    else:
        u = np.lexsort((p, d)).astype(np.int64)
    s = np.empty(0, dtype=np.int64)
    t = 0.0
    for _ in range(n):
        up = p[u]
        if base == "mdd":
            k = int(np.argmin(np.maximum(d[u], t + up)))
        else:
            k = int(np.argmin(_mddc_scores(up, d[u], t)))
        j = u[k]
        u = np.delete(u, k)
        t += p[j]
        s = np.append(s, j)
        m = len(s)
        if m < 2:
            continue
        ps, ds = p[s], d[s]
        c = np.cumsum(ps)
        tard = np.maximum(0.0, c - ds)
        # shifted[i, k]: tardiness change of position k when S[i] leaves (only k > i counts)
        shifted = np.maximum(0.0, c[None, :] - ps[:, None] - ds[None, :]) - tard[None, :]
        delta = np.triu(shifted, 1).sum(axis=1) + np.maximum(0.0, c[-1] - ds) - tard
        delta = delta[:-1]
        i = int(np.argmin(delta))
        if delta[i] < 0:
            s = np.concatenate((s[:i], s[i + 1 :], s[i : i + 1]))
    return s


def aug_mdd(p, d):
    """Augmented MDD (U in id order)."""
    return _augmented(p, d, "mdd")


def aug_mddc(p, d):
    """Augmented MDDC (U in EDD order, MDDC score)."""
    return _augmented(p, d, "mddc")


# --------------------------------------------------------------------------- local search


def insertion(p, d, seq, w=None):
    """Insertion local search to a local optimum: for each position i in order, the job there
    is moved to its best other position (later positions tried first, ascending, then earlier
    ones, descending; first minimum wins) if that lowers Σ w T by more than 1e-12 relative;
    passes repeat until none improves. The deltas of all n-1 moves of one job are computed with
    NumPy cumulative sums (O(n) per job, O(n²) per pass)."""
    n = len(p)
    if w is None:
        w = np.ones(n)
    seq = [int(j) for j in seq]
    if n < 2:
        return np.asarray(seq, dtype=np.int64)
    obj = objective(p, d, seq, w)
    while True:
        changed = False
        for i in range(n):
            s = np.asarray(seq, dtype=np.int64)
            ps, ds, ws = p[s], d[s], w[s]
            c = np.cumsum(ps)
            x = s[i]
            px, dx, wx = p[x], d[x], w[x]
            base = wx * max(0.0, c[i] - dx)
            # later targets j = i+1..n-1: jobs i+1..j move earlier by p_x; x completes at c[j]
            cl, dl_, wl = c[i + 1 :], ds[i + 1 :], ws[i + 1 :]
            later = (
                np.cumsum(wl * (np.maximum(0.0, cl - px - dl_) - np.maximum(0.0, cl - dl_)))
                + wx * np.maximum(0.0, cl - dx)
                - base
            )
            # earlier targets j = i-1..0: jobs j..i-1 move later by p_x; x completes at start_j + p_x
            ce, de, we, pe = c[i - 1 :: -1] if i > 0 else c[:0], ds[:i][::-1], ws[:i][::-1], ps[:i][::-1]
            earlier = (
                np.cumsum(we * (np.maximum(0.0, ce + px - de) - np.maximum(0.0, ce - de)))
                + wx * np.maximum(0.0, ce - pe + px - dx)
                - base
            )
            deltas = np.concatenate((later, earlier))
            k = int(np.argmin(deltas))
            if deltas[k] < -1e-12 * max(abs(obj), 1.0):
                target = i + 1 + k if k < len(later) else i - 1 - (k - len(later))
                seq.insert(target, seq.pop(i))
                obj += float(deltas[k])
                changed = True
        if not changed:
            return np.asarray(seq, dtype=np.int64)


# --------------------------------------------------------------------------- exact


def lawler_dp(p, d, *, with_sequence=False):
    """Lawler's decomposition DP with the two position-elimination rules of specs §3.3, plain
    Python, recursive with a dict memo on (i, j, k, t). Needs integer p > 0 and d.

    Returns the optimal Σ T_j (int), or (value, sequence) with ``with_sequence``.
    """
    n = len(p)
    if not (np.all(p == np.round(p)) and np.all(d == np.round(d))):
        raise ValueError("lawler_dp needs integer data")
    order = sorted(range(n), key=lambda j: (d[j], p[j], j))  # EDD, ties by p (then id)
    P = [int(p[j]) for j in order]
    D = [int(d[j]) for j in order]
    memo: dict = {}

    def V(i, j, k, t):
        key = (i, j, k, t)
        hit = memo.get(key)
        if hit is not None:
            return hit[0]
        if k == n:  # k = ∞
            members = list(range(i, j + 1))
        else:
            pk = P[k]
            members = [m for m in range(i, j + 1) if P[m] < pk or (P[m] == pk and m < k)]
        if not members:
            res = (0, None)
        elif len(members) == 1:
            m = members[0]
            res = (max(0, t + P[m] - D[m]), ("one", m))
        else:
            kp = members[0]
            for m in members:  # longest job: largest (p, index)
                if P[m] >= P[kp]:
                    kp = m
            pos = members.index(kp)
            c = t
            for m in members[: pos + 1]:
                c += P[m]
            cands = []
            m = len(members)
            for q in range(pos, m):
                delta = members[q]
                if q > pos:
                    c += P[delta]
                pruned = (q > pos and D[delta] >= c) or (q + 1 < m and D[members[q + 1]] <= c)
                cands.append((delta, c, pruned))
            live = [x for x in cands if not x[2]] or cands
            best = None
            dk = D[kp]
            for delta, c_delta, _ in live:
                v = V(i, delta, kp, t) + max(0, c_delta - dk) + V(delta + 1, j, kp, c_delta)
                if best is None or v < best[0]:
                    best = (v, ("split", kp, delta, c_delta))
            res = best
        memo[key] = res
        return res[0]

    old = sys.getrecursionlimit()
    sys.setrecursionlimit(max(old, 20 * n + 1000))
    try:
        value = V(0, n - 1, n, 0)
        if not with_sequence:
            return value
        out: list[int] = []

        def build(i, j, k, t):
            hit = memo.get((i, j, k, t))
            if hit is None or hit[1] is None:
                return
            how = hit[1]
            if how[0] == "one":
                out.append(how[1])
                return
            _, kp, delta, c_delta = how
            build(i, delta, kp, t)
            out.append(kp)
            build(delta + 1, j, kp, c_delta)

        build(0, n - 1, n, 0)
        return value, np.asarray([order[m] for m in out], dtype=np.int64)
    finally:
        sys.setrecursionlimit(old)


#: Constructive rules by schedkit method name: f(p, d) -> sequence (atc at k = 1).
RULES = {
    "edd": edd,
    "spt": spt,
    "mdd": mdd,
    "atc": lambda p, d: atc(p, d, 1.0),
    "wi": wi,
    "psk": psk,
    "eddc": eddc,
    "mddc": mddc,
    "aug_mdd": aug_mdd,
    "aug_mddc": aug_mddc,
}

#: The rule names of tests/data/smtt/known_answers_heuristics.json -> the method names (of
#: :data:`RULES` and of ``schedkit.tardiness.solve``).
KNOWN_ANSWER_RULES = {
    "EDD": "edd",
    "SPT": "spt",
    "EDDC": "eddc",
    "MDD": "mdd",
    "MDDC": "mddc",
    "AugMDD": "aug_mdd",
    "AugMDDC": "aug_mddc",
    "PSK_repo": "psk",
}
