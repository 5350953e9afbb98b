//! Ledger benchmarks, each beside a baseline measured in the same run:
//! - verifying a chain of 1,000,000 entries vs. BLAKE3-hashing the same bytes (goal ≥ 0.5);
//! - appending entries to a Merkle frontier and signing a checkpoint (entries/s);
//! - Ed25519 verification, single vs. batched.

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use ledger::merkle::Frontier;
use ledger::*;

fn chain(n: usize) -> Vec<Vec<u8>> {
    let coop = CoopCode::parse("NA-LH").unwrap();
    let subject = Subject::Tree(TreeCode::parse("CC001").unwrap());
    let mut prev = None;
    (0..n)
        .map(|i| {
            let e = Entry {
                cooperative: coop.clone(),
                seq: i as u64,
                subject: subject.clone(),
                prev,
                recorded_at: 1_740_000_000_000 + i as i64,
                received_at: 1_740_000_000_500 + i as i64,
                author: "member-7".into(),
                photos: vec![],
                kind: Kind::Watered { litres: Some(40) },
            };
            let bytes = e.encode();
            prev = Some(Digest::leaf(&bytes));
            bytes
        })
        .collect()
}

fn chain_verification(c: &mut Criterion) {
    let entries = chain(1_000_000);
    let bytes: usize = entries.iter().map(Vec::len).sum();
    let mut g = c.benchmark_group("chain_1m");
    g.sample_size(10)
        .throughput(Throughput::Bytes(bytes as u64));
    g.bench_function("baseline_blake3_same_bytes", |b| {
        b.iter(|| {
            entries
                .iter()
                .fold(0u8, |acc, e| acc ^ blake3::hash(e).as_bytes()[0])
        })
    });
    g.bench_function("verify_chain", |b| {
        b.iter(|| verify_chain(&entries).unwrap())
    });
    g.finish();
}

fn append_and_checkpoint(c: &mut Criterion) {
    let entries = chain(10_000);
    let key = SigningKey::from_seed(&[1; 32]);
    let mut g = c.benchmark_group("append_10k");
    g.throughput(Throughput::Elements(entries.len() as u64));
    g.bench_function("append_and_checkpoint", |b| {
        b.iter(|| {
            let mut f = Frontier::new();
            for e in &entries {
                f.push(Digest::leaf(e));
            }
            Checkpoint {
                origin: "goc.example/log/NA-LH".into(),
                size: f.size(),
                root: f.root(),
            }
            .sign(&key)
        })
    });
    g.finish();
}

fn signatures(c: &mut Criterion) {
    let keys: Vec<SigningKey> = (0..64u8).map(|i| SigningKey::from_seed(&[i; 32])).collect();
    let msgs: Vec<Vec<u8>> = (0..64u8).map(|i| vec![i; 100]).collect();
    let sigs: Vec<Signature> = keys.iter().zip(&msgs).map(|(k, m)| k.sign(m)).collect();
    let publics: Vec<PublicKey> = keys.iter().map(SigningKey::public_key).collect();
    let mut g = c.benchmark_group("ed25519_64");
    g.throughput(Throughput::Elements(64));
    g.bench_function("single_verify_strict", |b| {
        b.iter(|| {
            publics
                .iter()
                .zip(&msgs)
                .zip(&sigs)
                .all(|((p, m), s)| p.verify(m, s).is_ok())
        })
    });
    g.bench_function("batched", |b| {
        b.iter_batched(
            || {
                let refs: Vec<&[u8]> = msgs.iter().map(Vec::as_slice).collect();
                let s: Vec<ed25519_dalek::Signature> = sigs
                    .iter()
                    .map(|s| ed25519_dalek::Signature::from_bytes(&s.0))
                    .collect();
                let p: Vec<ed25519_dalek::VerifyingKey> =
                    publics.iter().map(|p| *p.as_dalek()).collect();
                (refs, s, p)
            },
            |(refs, s, p)| ed25519_dalek::verify_batch(&refs, &s, &p).is_ok(),
            BatchSize::SmallInput,
        )
    });
    g.finish();
}

criterion_group!(
    benches,
    chain_verification,
    append_and_checkpoint,
    signatures
);
criterion_main!(benches);
