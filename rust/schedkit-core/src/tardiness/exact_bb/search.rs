//! The depth-first search over tails, and the dominance rules it prunes with.
//!
//! Every rule below says "some optimal order of U in [0, p(U)] ends with a job from the
//! candidate set C(U)", or removes only sequences that are strictly improvable, so min over
//! C(U) still gives the optimum of each head problem:
//! - *Static precedence* (Emmons rule 1 adapted to weights, cf. Rinnooy Kan, Lageweg &
//!   Lenstra 1975, without the predecessor-set term): i → j when p_i ≤ p_j, w_i ≥ w_j and
//!   d_i ≤ d_j (ties by the order (p, −w, d, id)). Swapping a violating pair moves the jobs in
//!   between earlier and, by convexity of max(0, ·), does not raise the cost; it also lowers
//!   the number of inversions against that total order, so an optimal order of every U obeys
//!   all of them. Hence only jobs without a successor left in U may be last.
//! - *Emmons rule 3*: if some j ∈ U has d_j ≥ p(U) it can be last (it is on time there and
//!   everyone else only gets earlier); we branch on that job alone. Any such job will do,
//!   since each rule is a statement about one head problem and the next level's head problem
//!   U ∖ j again has an optimal order obeying the precedences (we take the largest in the
//!   total order, which is also free of successors in U).
//! - *Adjacent interchange*: j directly before the tail's first job k is dropped when k, j
//!   (same two slots) is strictly cheaper; such a sequence is never optimal.
//! - *Memo dominance on sets*: two nodes with the same S have the same head problem, so
//!   only the one with the smaller g(S) is explored (a hash map from the set U to the best
//!   g seen). With depth-first search a set's owner is always either finished or still on
//!   the stack, so nothing is lost.
//! - *Exact heads*: EDD order of U with no tardy job, or WSPT order of U with every job
//!   tardy (then ΣwT = Σw(C − d) and WSPT minimises ΣwC), close a node directly.
//!
//! The head set U is a bitset of W words; [`search`] picks the smallest W that fits, so the
//! memo keys are no larger than the instance needs.

use super::bound::{linear_head, Cut};
use super::relaxation::Relax;
use super::{INF, NONE};
use crate::budget::Budget;
use crate::error::{CoreError, CoreResult};
use crate::tardiness::Jobs;
use crate::util::FastMap;

/// How a search round ended; each carries the best sequence found and its objective.
pub(super) enum SearchEnd {
    /// Finished: the sequence is optimal.
    Done(Vec<usize>, f64),
    /// Stopped by the time limit, with the smallest bound over the open nodes.
    TimeOut(Vec<usize>, f64, f64),
    /// Stopped by the node limit.
    NodeLimit(Vec<usize>, f64),
}

/// Runs the search with a set type sized for m jobs (up to 1024; beyond that no search, the
/// heuristic answer stands with the root bound).
#[allow(clippy::too_many_arguments)]
pub(super) fn search(
    jobs: Jobs,
    relax: Option<&Relax>,
    cut: Cut,
    edd: &[usize],
    wspt: &[usize],
    ub: f64,
    seq: Vec<usize>,
    budget: &Budget,
    node_limit: u64,
) -> CoreResult<SearchEnd> {
    match jobs.p.len().div_ceil(64) {
        1 => Search::<1>::new(jobs, relax, cut, edd, wspt, ub, seq, budget).run(node_limit),
        2 => Search::<2>::new(jobs, relax, cut, edd, wspt, ub, seq, budget).run(node_limit),
        3 | 4 => Search::<4>::new(jobs, relax, cut, edd, wspt, ub, seq, budget).run(node_limit),
        5..=8 => Search::<8>::new(jobs, relax, cut, edd, wspt, ub, seq, budget).run(node_limit),
        9..=16 => Search::<16>::new(jobs, relax, cut, edd, wspt, ub, seq, budget).run(node_limit),
        _ => Ok(SearchEnd::TimeOut(seq, ub, -INF)),
    }
}

/// "i then j", with i completing at `ci`, costs strictly more than "j then i" in the same two
/// slots: such an adjacent pair never occurs in an optimal sequence. The relaxation uses the
/// same test inside its DP.
#[inline]
pub(super) fn pair_dominated(jobs: Jobs, i: usize, j: usize, ci: f64) -> bool {
    let start = ci - jobs.p[i];
    let cj = ci + jobs.p[j];
    let cur = jobs.cost(i, ci) + jobs.cost(j, cj);
    let alt = jobs.cost(j, start + jobs.p[j]) + jobs.cost(i, cj);
    alt < cur
}

/// The static precedence relation i → j (p_i ≤ p_j, w_i ≥ w_j, d_i ≤ d_j, ties broken by the
/// total order (p, −w, d, id) so the relation is acyclic): each job's rank in that order, its
/// predecessors, and its number of successors.
fn static_precedence(jobs: Jobs) -> (Vec<u32>, Vec<Vec<u32>>, Vec<u32>) {
    let m = jobs.p.len();
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|&a, &b| {
        jobs.p[a]
            .total_cmp(&jobs.p[b])
            .then((-jobs.w[a]).total_cmp(&-jobs.w[b]))
            .then(jobs.d[a].total_cmp(&jobs.d[b]))
            .then(a.cmp(&b))
    });
    let mut lex = vec![0u32; m];
    for (r, &j) in order.iter().enumerate() {
        lex[j] = r as u32;
    }
    let mut preds = vec![Vec::new(); m];
    let mut succ = vec![0u32; m];
    for i in 0..m {
        for j in 0..m {
            if i != j
                && jobs.p[i] <= jobs.p[j]
                && jobs.w[i] >= jobs.w[j]
                && jobs.d[i] <= jobs.d[j]
                && lex[i] < lex[j]
            {
                preds[j].push(i as u32);
                succ[i] += 1;
            }
        }
    }
    (lex, preds, succ)
}

/// A child of the current node: job `j` goes last in the head, making the tail cost `g`;
/// `lb` is its bound.
#[derive(Clone, Copy)]
struct Child {
    lb: f64,
    j: u32,
    g: f64,
}

/// One level of the explicit depth-first stack: the job it appended to the tail (NONE at the
/// root), the node state to restore on the way back, and its children still to visit.
struct Frame {
    job: u32,
    prev_tu: f64,
    prev_g: f64,
    prev_mu: f64,
    prev_k: u32,
    children: Vec<Child>,
    pos: usize,
}

/// The search state. The current node (head set `u`, its length `tu` and scaled length
/// `tp`, tail cost `g`, first tail job `k`, Σ_U μ) is updated in place by `apply`/`undo`.
struct Search<'a, const W: usize> {
    jobs: Jobs<'a>,
    relax: Option<&'a Relax>,
    cut: Cut,
    preds: Vec<Vec<u32>>,
    lex: Vec<u32>,
    edd: &'a [usize],
    /// Each job's place in `edd`.
    edd_rank: Vec<u32>,
    wspt: &'a [usize],
    memo: FastMap<[u64; W], f64>,
    max_memo: usize,
    ub: f64,
    best: Vec<usize>,
    budget: &'a Budget<'a>,
    // current node
    u: [u64; W],
    /// U again, by place in `edd` (bit r: job edd[r]), so the EDD scans visit U only.
    ue: [u64; W],
    tu: f64,
    tp: usize,
    k: u32,
    g: f64,
    mu_u: f64,
    succ: Vec<u32>,
    path: Vec<usize>,
    spare: Vec<Vec<Child>>,
    head_buf: Vec<usize>,
}

/// Is job `j` in the set `u`?
#[inline]
fn has<const W: usize>(u: &[u64; W], j: usize) -> bool {
    u[j >> 6] >> (j & 63) & 1 == 1
}

impl<'a, const W: usize> Search<'a, W> {
    #[allow(clippy::too_many_arguments)]
    fn new(
        jobs: Jobs<'a>,
        relax: Option<&'a Relax>,
        cut: Cut,
        edd: &'a [usize],
        wspt: &'a [usize],
        ub: f64,
        best: Vec<usize>,
        budget: &'a Budget<'a>,
    ) -> Self {
        let m = jobs.p.len();
        let (lex, preds, succ) = static_precedence(jobs);
        let mut u = [0u64; W];
        for j in 0..m {
            u[j >> 6] |= 1 << (j & 63);
        }
        let mut edd_rank = vec![0u32; m];
        for (r, &j) in edd.iter().enumerate() {
            edd_rank[j] = r as u32;
        }
        let tp = relax.map_or(0, |r| r.pt);
        let mu_u = relax.map_or(0.0, |r| r.mu_sum);
        // Keep the memo to roughly 256 MB.
        let max_memo = (256usize << 20) / (8 * W + 24);
        Search {
            jobs,
            relax,
            cut,
            preds,
            lex,
            edd,
            edd_rank,
            wspt,
            memo: FastMap::default(),
            max_memo,
            ub,
            best,
            budget,
            u,
            ue: u,
            tu: jobs.p.iter().sum(),
            tp,
            k: NONE,
            g: 0.0,
            mu_u,
            succ,
            path: Vec::with_capacity(m),
            spare: Vec::new(),
            head_buf: Vec::with_capacity(m),
        }
    }

    fn record(&mut self, cost: f64) {
        if cost < self.ub {
            self.ub = cost;
            self.best.clear();
            self.best.extend_from_slice(&self.head_buf);
            self.best.extend(self.path.iter().rev());
        }
    }

    /// Closes the current node or lists its children (sorted by bound).
    fn expand(&mut self) -> Vec<Child> {
        let mut out = self.spare.pop().unwrap_or_default();
        out.clear();
        let jobs = self.jobs;
        let u = self.u;
        if u.iter().all(|&x| x == 0) {
            self.head_buf.clear();
            self.record(self.g);
            return out;
        }
        let tu = self.tu;
        // Emmons rule 3 (a job on time at the end of the head goes last): the jobs of U with
        // d_j ≥ p(U) are the last ones of U in EDD order.
        let mut single = NONE;
        'top: for wi in (0..W).rev() {
            let mut x = self.ue[wi];
            while x != 0 {
                let b = 63 - x.leading_zeros() as usize;
                x &= !(1u64 << b);
                let j = self.edd[wi * 64 + b];
                if jobs.d[j] < tu {
                    break 'top;
                }
                if single == NONE || self.lex[j] > self.lex[single as usize] {
                    single = j as u32;
                }
            }
        }
        // Exact heads: EDD with no tardy job (only possible when EDD's last job is on time,
        // i.e. some job of U has d_j ≥ p(U)), or WSPT with every job tardy.
        if single != NONE {
            let mut c = 0.0;
            let mut ok = true;
            'edd: for (wi, &word) in self.ue.iter().enumerate() {
                let mut x = word;
                while x != 0 {
                    let j = self.edd[wi * 64 + x.trailing_zeros() as usize];
                    x &= x - 1;
                    c += jobs.p[j];
                    if c > jobs.d[j] {
                        ok = false;
                        break 'edd;
                    }
                }
            }
            if ok {
                self.head_buf.clear();
                self.head_buf
                    .extend(self.edd.iter().copied().filter(|&j| has(&u, j)));
                self.record(self.g);
                return out;
            }
        }
        let mut c = 0.0;
        let mut hc = 0.0;
        let mut ok = true;
        for &j in self.wspt {
            if has(&u, j) {
                c += jobs.p[j];
                if c < jobs.d[j] {
                    ok = false;
                    break;
                }
                hc += jobs.w[j] * (c - jobs.d[j]);
            }
        }
        if ok {
            self.head_buf.clear();
            self.head_buf
                .extend(self.wspt.iter().copied().filter(|&j| has(&u, j)));
            self.record(self.g + hc);
            return out;
        }
        let k = self.k;
        // the candidates, in job order: the Emmons job alone, or every job of U
        let mut cand = if single != NONE { [0u64; W] } else { u };
        if single != NONE {
            cand[single as usize >> 6] |= 1u64 << (single & 63);
        }
        for (wi, &word) in cand.iter().enumerate() {
            let mut x = word;
            while x != 0 {
                let j = wi * 64 + x.trailing_zeros() as usize;
                x &= x - 1;
                if single == NONE && self.succ[j] != 0 {
                    continue;
                }
                if k != NONE && pair_dominated(jobs, j, k as usize, tu) {
                    continue;
                }
                let g = self.g + jobs.cost(j, tu);
                let mut key = u;
                key[j >> 6] &= !(1u64 << (j & 63));
                let head = match self.relax {
                    Some(r) => r.head(jobs, self.tp - r.pp[j], j as u32) + (self.mu_u - r.mu[j]),
                    None => linear_head(jobs, self.wspt, |i| has(&key, i)),
                };
                let lb = g + head;
                if self.cut.closed(lb, self.ub) {
                    continue;
                }
                match self.memo.get_mut(&key) {
                    Some(gs) => {
                        if *gs <= g {
                            continue;
                        }
                        *gs = g;
                    }
                    None => {
                        if self.memo.len() < self.max_memo {
                            self.memo.insert(key, g);
                        }
                    }
                }
                out.push(Child { lb, j: j as u32, g });
            }
        }
        out.sort_by(|a, b| a.lb.total_cmp(&b.lb).then(a.g.total_cmp(&b.g)));
        out
    }

    fn apply(&mut self, ch: Child) {
        let j = ch.j as usize;
        self.u[j >> 6] &= !(1u64 << (j & 63));
        let r = self.edd_rank[j] as usize;
        self.ue[r >> 6] &= !(1u64 << (r & 63));
        self.tu -= self.jobs.p[j];
        if let Some(r) = self.relax {
            self.tp -= r.pp[j];
            self.mu_u -= r.mu[j];
        }
        self.g = ch.g;
        self.k = ch.j;
        for &i in &self.preds[j] {
            self.succ[i as usize] -= 1;
        }
        self.path.push(j);
    }

    fn undo(&mut self, f: &Frame) {
        let j = f.job as usize;
        self.u[j >> 6] |= 1u64 << (j & 63);
        let r = self.edd_rank[j] as usize;
        self.ue[r >> 6] |= 1u64 << (r & 63);
        self.tu = f.prev_tu;
        self.g = f.prev_g;
        self.mu_u = f.prev_mu;
        self.k = f.prev_k;
        if let Some(r) = self.relax {
            self.tp += r.pp[j];
        }
        for &i in &self.preds[j] {
            self.succ[i as usize] += 1;
        }
        self.path.pop();
    }

    /// Runs the search until it finishes, the time limit stops it (then the smallest bound
    /// over the open nodes comes back too), or it has expanded `node_limit` nodes.
    fn run(mut self, node_limit: u64) -> CoreResult<SearchEnd> {
        let root = self.expand();
        let mut stack = vec![Frame {
            job: NONE,
            prev_tu: self.tu,
            prev_g: 0.0,
            prev_mu: self.mu_u,
            prev_k: NONE,
            children: root,
            pos: 0,
        }];
        let mut nodes: u64 = 0;
        while let Some(top) = stack.last_mut() {
            if top.pos >= top.children.len() {
                if let Some(mut f) = stack.pop() {
                    if f.job != NONE {
                        self.undo(&f);
                    }
                    f.children.clear();
                    self.spare.push(std::mem::take(&mut f.children));
                }
                continue;
            }
            let ch = top.children[top.pos];
            if self.cut.closed(ch.lb, self.ub) {
                // children are sorted by bound: the rest are closed too
                top.pos = top.children.len();
                continue;
            }
            let j = ch.j as usize;
            let mut key = self.u;
            key[j >> 6] &= !(1u64 << (j & 63));
            if self.memo.get(&key).is_some_and(|&gs| gs < ch.g) {
                top.pos += 1;
                continue;
            }
            nodes += 1;
            if nodes % 256 == 0 && self.budget.exhausted() {
                if self.budget.interrupted() {
                    return Err(CoreError::Interrupted);
                }
                // Every open node is some frame's next child; each list is sorted.
                let mut pending = INF;
                for f in &stack {
                    if let Some(c) = f.children.get(f.pos) {
                        pending = pending.min(c.lb);
                    }
                }
                #[cfg(test)]
                super::count(nodes, 0, 0);
                return Ok(SearchEnd::TimeOut(self.best, self.ub, pending));
            }
            if nodes >= node_limit {
                #[cfg(test)]
                super::count(nodes, 0, 0);
                return Ok(SearchEnd::NodeLimit(self.best, self.ub));
            }
            top.pos += 1;
            let frame = Frame {
                job: ch.j,
                prev_tu: self.tu,
                prev_g: self.g,
                prev_mu: self.mu_u,
                prev_k: self.k,
                children: Vec::new(),
                pos: 0,
            };
            self.apply(ch);
            let children = self.expand();
            stack.push(Frame { children, ..frame });
        }
        #[cfg(test)]
        super::count(nodes, 0, 0);
        Ok(SearchEnd::Done(self.best, self.ub))
    }
}
