//! The cooperative log's Merkle tree: RFC 9162 §2.1 structure with blake3 in place of
//! SHA-256 (leaf hash `blake3(0x00 || entry)`, node hash `blake3(0x01 || left || right)`).

use crate::digest::Digest;

/// The largest power of two strictly smaller than `n` (`n >= 2`).
fn split(n: usize) -> usize {
    debug_assert!(n >= 2);
    1 << (usize::BITS - 1 - (n - 1).leading_zeros())
}

/// MTH(D[n]) over leaf hashes (RFC 9162 §2.1.1).
pub fn root(leaves: &[Digest]) -> Digest {
    match leaves.len() {
        0 => Digest::empty(),
        1 => leaves[0],
        n => {
            let k = split(n);
            Digest::node(&root(&leaves[..k]), &root(&leaves[k..]))
        }
    }
}

/// PATH(m, D[n]) (RFC 9162 §2.1.3.1). `None` if `index` is outside the tree.
pub fn inclusion_proof(leaves: &[Digest], index: usize) -> Option<Vec<Digest>> {
    if index >= leaves.len() {
        return None;
    }
    let mut proof = Vec::new();
    path(index, leaves, &mut proof);
    Some(proof)
}

fn path(m: usize, leaves: &[Digest], out: &mut Vec<Digest>) {
    let n = leaves.len();
    if n <= 1 {
        return;
    }
    let k = split(n);
    if m < k {
        path(m, &leaves[..k], out);
        out.push(root(&leaves[k..]));
    } else {
        path(m - k, &leaves[k..], out);
        out.push(root(&leaves[..k]));
    }
}

/// PROOF(m, D[n]) (RFC 9162 §2.1.4.1): shows that the first `m` leaves are a prefix of all.
/// `None` if `m` exceeds the tree. Empty for `m == 0` and `m == n`.
pub fn consistency_proof(leaves: &[Digest], m: usize) -> Option<Vec<Digest>> {
    if m > leaves.len() {
        return None;
    }
    let mut proof = Vec::new();
    if m > 0 {
        subproof(m, leaves, true, &mut proof);
    }
    Some(proof)
}

fn subproof(m: usize, leaves: &[Digest], whole: bool, out: &mut Vec<Digest>) {
    let n = leaves.len();
    if m == n {
        if !whole {
            out.push(root(leaves));
        }
        return;
    }
    let k = split(n);
    if m <= k {
        subproof(m, &leaves[..k], whole, out);
        out.push(root(&leaves[k..]));
    } else {
        subproof(m - k, &leaves[k..], false, out);
        out.push(root(&leaves[..k]));
    }
}

/// Verifies an inclusion proof (RFC 9162 §2.1.3.2).
pub fn verify_inclusion(
    index: u64,
    size: u64,
    leaf: &Digest,
    proof: &[Digest],
    root: &Digest,
) -> bool {
    if index >= size {
        return false;
    }
    let (mut fn_, mut sn) = (index, size - 1);
    let mut r = *leaf;
    for p in proof {
        if sn == 0 {
            return false;
        }
        if fn_ & 1 == 1 || fn_ == sn {
            r = Digest::node(p, &r);
            while fn_ & 1 == 0 && fn_ != 0 {
                fn_ >>= 1;
                sn >>= 1;
            }
        } else {
            r = Digest::node(&r, p);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    sn == 0 && r == *root
}

/// Verifies a consistency proof between a tree of `first` leaves and one of `second`
/// (RFC 9162 §2.1.4.2). Sizes 0 and equal sizes are accepted with an empty proof only.
pub fn verify_consistency(
    first: u64,
    second: u64,
    first_root: &Digest,
    second_root: &Digest,
    proof: &[Digest],
) -> bool {
    if first > second {
        return false;
    }
    if first == second {
        return proof.is_empty() && first_root == second_root;
    }
    if first == 0 {
        return proof.is_empty();
    }
    let mut path: Vec<Digest> = Vec::with_capacity(proof.len() + 1);
    if first.is_power_of_two() {
        path.push(*first_root);
    }
    path.extend_from_slice(proof);
    let Some((seed, rest)) = path.split_first() else {
        return false;
    };
    let (mut fn_, mut sn) = (first - 1, second - 1);
    while fn_ & 1 == 1 {
        fn_ >>= 1;
        sn >>= 1;
    }
    let (mut fr, mut sr) = (*seed, *seed);
    for c in rest {
        if sn == 0 {
            return false;
        }
        if fn_ & 1 == 1 || fn_ == sn {
            fr = Digest::node(c, &fr);
            sr = Digest::node(c, &sr);
            while fn_ & 1 == 0 && fn_ != 0 {
                fn_ >>= 1;
                sn >>= 1;
            }
        } else {
            sr = Digest::node(&sr, c);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    fr == *first_root && sr == *second_root && sn == 0
}

/// A perfect subtree of the log: the `2^level` leaves from `index << level` on. Level 0 is
/// a leaf. A server that stores these (each written once, when its last leaf arrives)
/// computes any root or inclusion proof from O(log n) of them, without reading the leaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId {
    pub level: u8,
    pub index: u64,
}

impl NodeId {
    /// One number per node (level in the top byte), for storage keys.
    pub fn key(self) -> i64 {
        ((u64::from(self.level) << 56) | self.index) as i64
    }
}

/// The perfect subtrees whose hashes make MTH(D[start:end]) by the RFC's recursion: the
/// range is split at the largest power of two below its size until each part is an
/// aligned perfect subtree.
fn cover(start: u64, end: u64, out: &mut Vec<NodeId>) {
    let n = end - start;
    if n.is_power_of_two() && start % n == 0 {
        out.push(NodeId {
            level: n.trailing_zeros() as u8,
            index: start >> n.trailing_zeros(),
        });
        return;
    }
    let k = split(n as usize) as u64;
    cover(start, start + k, out);
    cover(start + k, end, out);
}

/// MTH(D[start:end]) from the hashes of its perfect subtrees.
fn range_hash(start: u64, end: u64, node: &impl Fn(NodeId) -> Option<Digest>) -> Option<Digest> {
    let n = end - start;
    if n.is_power_of_two() && start % n == 0 {
        return node(NodeId {
            level: n.trailing_zeros() as u8,
            index: start >> n.trailing_zeros(),
        });
    }
    let k = split(n as usize) as u64;
    Some(Digest::node(
        &range_hash(start, start + k, node)?,
        &range_hash(start + k, end, node)?,
    ))
}

/// The stored subtrees that the root of a tree of `size` needs (its right edge).
pub fn root_nodes(size: u64) -> Vec<NodeId> {
    let mut out = Vec::new();
    if size > 0 {
        cover(0, size, &mut out);
    }
    out
}

/// MTH(D[size]) from stored subtrees (`node` answers each of [`root_nodes`]).
pub fn root_from(size: u64, node: impl Fn(NodeId) -> Option<Digest>) -> Option<Digest> {
    if size == 0 {
        return Some(Digest::empty());
    }
    range_hash(0, size, &node)
}

/// The stored subtrees an inclusion proof for leaf `index` in a tree of `size` needs.
pub fn proof_nodes(size: u64, index: u64) -> Vec<NodeId> {
    let mut out = Vec::new();
    let (mut start, mut end) = (0, size);
    while end - start > 1 {
        let k = split((end - start) as usize) as u64;
        if index < start + k {
            cover(start + k, end, &mut out);
            end = start + k;
        } else {
            cover(start, start + k, &mut out);
            start += k;
        }
    }
    out
}

/// PATH(index, D[size]) from stored subtrees (`node` answers each of [`proof_nodes`]);
/// the same proof [`inclusion_proof`] computes from all leaves.
pub fn inclusion_proof_from(
    size: u64,
    index: u64,
    node: impl Fn(NodeId) -> Option<Digest>,
) -> Option<Vec<Digest>> {
    if index >= size {
        return None;
    }
    let mut out = Vec::new();
    let (mut start, mut end) = (0, size);
    while end - start > 1 {
        let k = split((end - start) as usize) as u64;
        if index < start + k {
            out.push(range_hash(start + k, end, &node)?);
            end = start + k;
        } else {
            out.push(range_hash(start, start + k, &node)?);
            start += k;
        }
    }
    out.reverse();
    Some(out)
}

/// The leaf ranges whose hashes make PROOF(m, D[n]), in the proof's order (RFC 9162
/// §2.1.4.1, SUBPROOF, with ranges in place of hashes). Empty for `m == 0` or `m >= n`.
fn consistency_ranges(m: u64, n: u64) -> Vec<(u64, u64)> {
    fn sub(m: u64, start: u64, end: u64, whole: bool, out: &mut Vec<(u64, u64)>) {
        let n = end - start;
        if m == n {
            if !whole {
                out.push((start, end));
            }
            return;
        }
        let k = split(n as usize) as u64;
        if m <= k {
            sub(m, start, start + k, whole, out);
            out.push((start + k, end));
        } else {
            sub(m - k, start + k, end, false, out);
            out.push((start, start + k));
        }
    }
    let mut out = Vec::new();
    if m > 0 && m < n {
        sub(m, 0, n, true, &mut out);
    }
    out
}

/// The stored subtrees a consistency proof from `m` to `n` leaves needs.
pub fn consistency_nodes(m: u64, n: u64) -> Vec<NodeId> {
    let mut out = Vec::new();
    for (start, end) in consistency_ranges(m, n) {
        cover(start, end, &mut out);
    }
    out
}

/// PROOF(m, D[n]) from stored subtrees (`node` answers each of [`consistency_nodes`]);
/// the same proof [`consistency_proof`] computes from all leaves. `None` if `m > n`.
pub fn consistency_proof_from(
    m: u64,
    n: u64,
    node: impl Fn(NodeId) -> Option<Digest>,
) -> Option<Vec<Digest>> {
    if m > n {
        return None;
    }
    consistency_ranges(m, n)
        .into_iter()
        .map(|(start, end)| range_hash(start, end, &node))
        .collect()
}

/// The subtrees that appending leaf `index` completes, lowest first: level `l` completes
/// when the leaf is the last of an aligned block of `2^l`. Each is the node of its two
/// children at the level below.
pub fn completed_by(index: u64) -> impl Iterator<Item = NodeId> {
    (1..64u8)
        .take_while(move |l| (index + 1) % (1u64 << l) == 0)
        .map(move |l| NodeId {
            level: l,
            index: index >> l,
        })
}

/// An append-only log's right edge: the roots of its perfect subtrees, largest first.
/// Appending and computing the current root are O(log n) and need no stored leaves,
/// which is how the server keeps checkpoints cheap.
#[derive(Debug, Clone, Default)]
pub struct Frontier {
    size: u64,
    // INVARIANT: `peaks[i]` is the root of a perfect subtree whose size is the i-th set bit
    // of `size`, from the most significant down.
    peaks: Vec<Digest>,
}

impl Frontier {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn size(&self) -> u64 {
        self.size
    }
    /// The right edge of a stored tree of `size` leaves from its peaks, the hashes of
    /// [`root_nodes`] in that order (largest first). `None` if they do not fit the size.
    pub fn from_peaks(size: u64, peaks: Vec<Digest>) -> Option<Self> {
        (peaks.len() == size.count_ones() as usize).then_some(Self { size, peaks })
    }

    /// Appends a leaf and returns the subtrees it completes (level ≥ 1, lowest first),
    /// each with its hash: what a server stores.
    pub fn append(&mut self, leaf: Digest) -> Vec<(NodeId, Digest)> {
        let index = self.size;
        let mut made = Vec::new();
        let mut node = leaf;
        let mut s = self.size;
        let mut level = 0u8;
        while s & 1 == 1 {
            let left = self.peaks.pop().expect("a set bit has a peak");
            node = Digest::node(&left, &node);
            level += 1;
            made.push((
                NodeId {
                    level,
                    index: index >> level,
                },
                node,
            ));
            s >>= 1;
        }
        self.peaks.push(node);
        self.size += 1;
        made
    }

    pub fn push(&mut self, leaf: Digest) {
        let mut node = leaf;
        // Each trailing one bit of the old size is a peak of equal height to merge with.
        let mut s = self.size;
        while s & 1 == 1 {
            let left = self.peaks.pop().expect("a set bit has a peak");
            node = Digest::node(&left, &node);
            s >>= 1;
        }
        self.peaks.push(node);
        self.size += 1;
    }
    /// MTH of everything appended so far.
    pub fn root(&self) -> Digest {
        let mut it = self.peaks.iter().rev();
        match it.next() {
            None => Digest::empty(),
            Some(last) => it.fold(*last, |acc, peak| Digest::node(peak, &acc)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leaves(n: usize) -> Vec<Digest> {
        (0..n)
            .map(|i| Digest::leaf(&(i as u64).to_be_bytes()))
            .collect()
    }

    /// Every perfect subtree of `all`, as a server would have stored them.
    fn stored(all: &[Digest]) -> std::collections::HashMap<NodeId, Digest> {
        let mut nodes = std::collections::HashMap::new();
        for (i, leaf) in all.iter().enumerate() {
            nodes.insert(
                NodeId {
                    level: 0,
                    index: i as u64,
                },
                *leaf,
            );
            for id in completed_by(i as u64) {
                let l = nodes[&NodeId {
                    level: id.level - 1,
                    index: id.index * 2,
                }];
                let r = nodes[&NodeId {
                    level: id.level - 1,
                    index: id.index * 2 + 1,
                }];
                nodes.insert(id, Digest::node(&l, &r));
            }
        }
        nodes
    }

    #[test]
    fn proofs_and_roots_from_stored_subtrees_equal_those_from_all_leaves() {
        let all = leaves(200);
        let nodes = stored(&all);
        for n in 0..=all.len() {
            let size = n as u64;
            let needed = root_nodes(size);
            assert!(needed.len() <= 8, "at most one node per set bit");
            let only = |id: NodeId| needed.contains(&id).then(|| nodes[&id]);
            assert_eq!(root_from(size, only), Some(root(&all[..n])), "size {n}");
            for m in 0..n {
                let needed = proof_nodes(size, m as u64);
                let only = |id: NodeId| needed.contains(&id).then(|| nodes[&id]);
                assert_eq!(
                    inclusion_proof_from(size, m as u64, only),
                    inclusion_proof(&all[..n], m),
                    "leaf {m} of {n}"
                );
            }
        }
        assert_eq!(inclusion_proof_from(3, 3, |_| None), None);
    }

    #[test]
    fn consistency_proofs_from_stored_subtrees_equal_those_from_all_leaves() {
        let all = leaves(70);
        let nodes = stored(&all);
        for n in 0..=all.len() {
            for m in 0..=n {
                let (m64, n64) = (m as u64, n as u64);
                let needed = consistency_nodes(m64, n64);
                let only = |id: NodeId| needed.contains(&id).then(|| nodes[&id]);
                let proof = consistency_proof_from(m64, n64, only);
                assert_eq!(proof, consistency_proof(&all[..n], m), "{m} of {n}");
                let (a, b) = (root(&all[..m]), root(&all[..n]));
                assert!(verify_consistency(m64, n64, &a, &b, &proof.unwrap()));
            }
        }
        assert_eq!(consistency_proof_from(4, 3, |_| None), None);
    }

    #[test]
    fn a_frontier_resumed_from_stored_peaks_makes_the_same_nodes() {
        let all = leaves(100);
        let nodes = stored(&all);
        for n in 0..all.len() {
            let peaks = root_nodes(n as u64).iter().map(|id| nodes[id]).collect();
            let mut f = Frontier::from_peaks(n as u64, peaks).unwrap();
            assert_eq!(f.root(), root(&all[..n]));
            for (id, h) in f.append(all[n]) {
                assert_eq!(nodes[&id], h, "{id:?}");
            }
            assert_eq!(f.root(), root(&all[..=n]));
        }
        assert!(Frontier::from_peaks(3, vec![]).is_none());
    }

    #[test]
    fn a_proof_reads_logarithmically_many_subtrees() {
        for size in [1_000_000u64, 10_000_000, (1 << 40) + 12_345] {
            for m in [0, size / 3, size - 1] {
                let n = proof_nodes(size, m).len();
                assert!(n <= 2 * 64, "{n} nodes for {m} of {size}");
            }
            assert!(root_nodes(size).len() <= 64);
        }
    }

    #[test]
    fn frontier_root_equals_recursive_root_for_every_size() {
        let all = leaves(300);
        let mut f = Frontier::new();
        assert_eq!(f.root(), root(&[]));
        for n in 1..=all.len() {
            f.push(all[n - 1]);
            assert_eq!(f.root(), root(&all[..n]), "size {n}");
        }
    }

    #[test]
    fn a_proof_for_a_leaf_outside_the_tree_is_refused() {
        assert!(inclusion_proof(&leaves(3), 3).is_none());
        assert!(consistency_proof(&leaves(3), 4).is_none());
        assert!(!verify_inclusion(
            3,
            3,
            &leaves(4)[3],
            &[],
            &root(&leaves(3))
        ));
    }
}
