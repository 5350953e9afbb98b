//! Interoperability with the C2SP specifications' own published examples: a signed note
//! and its keys (golang.org/x/mod/sumdb/note, quoted by c2sp.org/signed-note), the
//! cosignature examples (c2sp.org/tlog-cosignature, transparency-dev/formats), and the tile
//! layout (c2sp.org/tlog-tiles), including sizes across tile and level boundaries.

use std::collections::HashMap;

use data_encoding::BASE64;
use ledger::merkle::{self, NodeId};
use ledger::note::{Alg, Note, NoteSignature, VerifierKey};
use ledger::tiles::{self, Tile, TilePath};
use ledger::{cosignature, Digest, SigningKey};

const PETER_VKEY: &str = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
const PETER_SKEY: &str =
    "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
const PETER_TEXT: &str = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const PETER_SIG: &str =
    "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=";

fn peter_note() -> String {
    format!("{PETER_TEXT}\n\u{2014} PeterNeumann {PETER_SIG}\n")
}

#[test]
fn the_signed_note_example_verifies_and_is_reproduced_byte_for_byte() {
    let vkey = VerifierKey::parse(PETER_VKEY).unwrap();
    assert_eq!(vkey.alg, Alg::Ed25519);
    assert_eq!(vkey.to_string(), PETER_VKEY);
    assert_eq!(vkey.open(&peter_note()).unwrap(), PETER_TEXT);
    assert!(vkey
        .open(&peter_note().replace("cryptography", "cryptographY"))
        .is_err());
    // Ed25519 is deterministic: the private key signs the same bytes.
    let material = BASE64
        .decode(PETER_SKEY.splitn(5, '+').last().unwrap().as_bytes())
        .unwrap();
    assert_eq!(material[0], 0x01);
    let key = SigningKey::from_seed(&material[1..].try_into().unwrap());
    assert_eq!(key.public_key(), vkey.key);
    let sig = NoteSignature {
        name: "PeterNeumann".into(),
        key_id: vkey.key_id(),
        signature: key.sign(PETER_TEXT.as_bytes()).0.to_vec(),
    };
    let note = Note {
        text: PETER_TEXT,
        signatures: vec![sig],
    };
    assert_eq!(note.to_text(), peter_note());
}

#[test]
fn the_cosignature_examples_read_as_the_specs_say() {
    // transparency-dev/formats' Ed25519 cosignature verifier key: its key ID is the one
    // type 0x04 makes.
    let remora =
        VerifierKey::parse("remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2")
            .unwrap();
    assert_eq!(remora.alg, Alg::Cosignature);
    // Its timestamp test: a cosignature made at 1727964367; a plain Ed25519 line is none.
    let line = |blob: &str| {
        Note::parse(&format!("x\n\n\u{2014} w {blob}\n"))
            .unwrap()
            .signatures[0]
            .clone()
    };
    let sig = line("ZGhGuQAAAABm/qTPeyKXD+R2rzyQsxPiP8mXum7qq/iF0u4vanlqJyocWODBt97w9uL+8qT7S5gxEHWWOworDcFiEBYJXORmnFBOBA==");
    assert_eq!(cosignature::timestamp(&sig), Some(1_727_964_367));
    let plain = line("eQjRQm6eSKzFoiYalgwCPXu2y3ijtg68is9M46JKxuZB+dRfTmeQeDBoXnvxZx2ugnkyV+MUMLXpWs1hPb/W/4xkNQY=");
    assert_eq!(cosignature::timestamp(&plain), None);
    // c2sp.org/tlog-cosignature: the example checkpoint's witness line carries the time
    // of the example signed message, which is laid out exactly so.
    let example = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\n\u{2014} example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n\u{2014} witness.example.com/w1 jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==\n";
    let note = Note::parse(example).unwrap();
    assert_eq!(note.signatures.len(), 2);
    assert_eq!(
        cosignature::timestamp(&note.signatures[1]),
        Some(1_679_315_147)
    );
    assert_eq!(note.signatures[1].key_id, [0x8d, 0x66, 0xcf, 0x3f]);
    assert_eq!(
        note.signatures[1].signature.len(),
        72,
        "8 bytes of time, 64 of Ed25519"
    );
    assert_eq!(
        cosignature::message(note.text, 1_679_315_147),
        "cosignature/v1\ntime 1679315147\nexample.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
    );
    let cp = ledger::Checkpoint::parse_unverified(example).unwrap();
    assert_eq!(cp.size, 20_852_163);
}

#[test]
fn tile_paths_and_widths_are_the_specs() {
    assert_eq!(tiles::index_path(1_234_067), "x001/x234/067");
    // "a tree of size 70,000 will be represented by 273 full level 0 tiles, one partial
    // level 0 tile of width 112, one full level 1 tile, one partial level 1 tile of width
    // 17, and one partial level 2 tile of width 1."
    let level = |size, l| -> Vec<Tile> { (0..).map_while(|i| Tile::in_tree(size, l, i)).collect() };
    let l0 = level(70_000, 0);
    assert_eq!(l0.len(), 274);
    assert!(l0[..273].iter().all(|t| t.width == 256));
    assert_eq!(l0[273].path(), "tile/0/273.p/112");
    let l1 = level(70_000, 1);
    assert_eq!(
        l1.iter().map(|t| t.path()).collect::<Vec<_>>(),
        ["tile/1/000", "tile/1/001.p/17"]
    );
    assert_eq!(
        level(70_000, 2)
            .iter()
            .map(|t| t.path())
            .collect::<Vec<_>>(),
        ["tile/2/000.p/1"]
    );
    assert!(level(70_000, 3).is_empty());
    // "a tree of size 256 will be represented by a full level 0 tile and a partial level 1
    // tile of width 1."
    assert_eq!(
        level(256, 0).iter().map(|t| t.path()).collect::<Vec<_>>(),
        ["tile/0/000"]
    );
    assert_eq!(
        level(256, 1).iter().map(|t| t.path()).collect::<Vec<_>>(),
        ["tile/1/000.p/1"]
    );
    assert_eq!(
        Tile::in_tree(1_234_068 * 256 + 8, 0, 1_234_068)
            .unwrap()
            .entries_path(),
        "tile/entries/x001/x234/068.p/8"
    );
    assert!(matches!(
        TilePath::parse("tile/entries/x001/x234/067"),
        Ok(TilePath::Entries(Tile {
            index: 1_234_067,
            width: 256,
            ..
        }))
    ));
}

/// Every node of a log of `n` leaves, as a server stores them.
fn stored(leaves: &[Digest]) -> HashMap<NodeId, Digest> {
    let mut nodes = HashMap::new();
    let mut f = merkle::Frontier::new();
    for (i, leaf) in leaves.iter().enumerate() {
        nodes.insert(
            NodeId {
                level: 0,
                index: i as u64,
            },
            *leaf,
        );
        nodes.extend(f.append(*leaf));
    }
    nodes
}

#[test]
fn roots_and_proofs_computed_from_tiles_equal_those_from_the_leaves() {
    let leaves: Vec<Digest> = (0u32..70_000)
        .map(|i| Digest::leaf(&i.to_be_bytes()))
        .collect();
    let nodes = stored(&leaves);
    // A tile as a log serves it for a tree of `size`.
    let served = |size: u64, t: &Tile| -> Vec<Digest> {
        assert_eq!(
            Tile::in_tree(size, t.level, t.index),
            Some(*t),
            "only tiles of the tree"
        );
        t.nodes().map(|id| nodes[&id]).collect()
    };
    for (m, n) in [
        (1, 256),
        (255, 257),
        (256, 512),
        (257, 65_536),
        (65_535, 65_537),
        (65_536, 70_000),
        (4_321, 69_999),
    ] {
        let mut needed = merkle::consistency_nodes(m, n);
        needed.extend(merkle::root_nodes(n));
        let fetched: HashMap<Tile, Vec<Digest>> = tiles::tiles_for(n, &needed)
            .into_iter()
            .map(|t| (t, served(n, &t)))
            .collect();
        let node = |id| tiles::node_from_tiles(n, id, |t: &Tile| fetched.get(t).map(Vec::as_slice));
        let root = merkle::root_from(n, node).unwrap();
        assert_eq!(root, merkle::root(&leaves[..n as usize]), "root of {n}");
        let proof = merkle::consistency_proof_from(m, n, node).unwrap();
        assert_eq!(
            proof,
            merkle::consistency_proof(&leaves[..n as usize], m as usize).unwrap(),
            "{m} → {n}"
        );
        let old = merkle::root(&leaves[..m as usize]);
        assert!(merkle::verify_consistency(m, n, &old, &root, &proof));
        assert!(
            fetched.len() <= 3 * 3,
            "{} tiles for {m} → {n}",
            fetched.len()
        );
    }
}
