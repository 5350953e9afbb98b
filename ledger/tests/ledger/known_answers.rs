//! The primitives against their official vectors, and the Merkle shapes of RFC 9162.

use ledger::digest::Digest;
use ledger::merkle;
use ledger::{PublicKey, Signature, SigningKey};

fn hex(s: &str) -> Vec<u8> {
    data_encoding::HEXLOWER.decode(s.as_bytes()).unwrap()
}

#[test]
fn blake3_matches_the_official_test_vectors() {
    // From BLAKE3's test_vectors.json: input byte i is i % 251.
    let cases = [
        (
            0,
            "af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262",
        ),
        (
            1,
            "2d3adedff11b61f14c886e35afa036736dcd87a74d27b5c1510225d0f592e213",
        ),
        (
            2,
            "7b7015bb92cf0b318037702a6cdd81dee41224f734684c2c122cd6359cb1ee63",
        ),
        (
            3,
            "e1be4d7a8ab5560aa4199eea339849ba8e293d55ca0a81006726d184519e647f",
        ),
    ];
    for (len, want) in cases {
        let input: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
        assert_eq!(blake3::hash(&input).to_hex().as_str(), want, "length {len}");
    }
    assert_eq!(Digest::empty().to_hex(), cases[0].1);
}

#[test]
fn ed25519_matches_rfc_8032_test_1() {
    let seed: [u8; 32] = hex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
        .try_into()
        .unwrap();
    let key = SigningKey::from_seed(&seed);
    assert_eq!(
        key.public_key().to_hex(),
        "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
    );
    let want = hex("e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b");
    assert_eq!(key.sign(b"").0.to_vec(), want);
    let public = PublicKey::from_hex(&key.public_key().to_hex()).unwrap();
    assert!(public
        .verify(b"", &Signature::from_slice(&want).unwrap())
        .is_ok());
    assert!(public
        .verify(b"x", &Signature::from_slice(&want).unwrap())
        .is_err());
}

/// The seven-leaf example tree of RFC 9162 §2.1.5 (RFC 6962 §2.1.3): leaves d0..d6 are
/// a b c d e f j; g = (a,b), h = (c,d), i = (e,f), k = (g,h), l = (i,j), root = (k,l).
struct Rfc {
    d: Vec<Digest>,
    g: Digest,
    h: Digest,
    i: Digest,
    k: Digest,
    l: Digest,
    root: Digest,
}

fn rfc_tree() -> Rfc {
    let d: Vec<Digest> = (0..7u8).map(|n| Digest::leaf(&[n])).collect();
    let n = Digest::node;
    let (g, h, i) = (n(&d[0], &d[1]), n(&d[2], &d[3]), n(&d[4], &d[5]));
    let (k, l) = (n(&g, &h), n(&i, &d[6]));
    let root = n(&k, &l);
    Rfc {
        d,
        g,
        h,
        i,
        k,
        l,
        root,
    }
}

#[test]
fn merkle_root_and_proofs_have_the_shapes_of_the_rfc_9162_example() {
    let t = rfc_tree();
    assert_eq!(merkle::root(&t.d), t.root);
    assert_eq!(
        merkle::inclusion_proof(&t.d, 0).unwrap(),
        vec![t.d[1], t.h, t.l]
    );
    assert_eq!(
        merkle::inclusion_proof(&t.d, 3).unwrap(),
        vec![t.d[2], t.g, t.l]
    );
    assert_eq!(
        merkle::inclusion_proof(&t.d, 4).unwrap(),
        vec![t.d[5], t.d[6], t.k]
    );
    assert_eq!(merkle::inclusion_proof(&t.d, 6).unwrap(), vec![t.i, t.k]);
    assert_eq!(
        merkle::consistency_proof(&t.d, 3).unwrap(),
        vec![t.d[2], t.d[3], t.g, t.l]
    );
    assert_eq!(merkle::consistency_proof(&t.d, 4).unwrap(), vec![t.l]);
    assert_eq!(
        merkle::consistency_proof(&t.d, 6).unwrap(),
        vec![t.i, t.d[6], t.k]
    );
    let root3 = merkle::root(&t.d[..3]);
    assert!(merkle::verify_consistency(
        3,
        7,
        &root3,
        &t.root,
        &[t.d[2], t.d[3], t.g, t.l]
    ));
    assert!(merkle::verify_inclusion(
        4,
        7,
        &t.d[4],
        &[t.d[5], t.d[6], t.k],
        &t.root
    ));
}

#[test]
fn leaf_and_node_hashes_are_domain_separated() {
    let t = rfc_tree();
    // A node's 64 bytes presented as a leaf must not hash to the node.
    let mut both = t.d[0].0.to_vec();
    both.extend_from_slice(&t.d[1].0);
    assert_ne!(Digest::leaf(&both), t.g);
}
