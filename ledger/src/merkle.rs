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
