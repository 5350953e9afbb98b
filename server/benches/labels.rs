//! Label rendering cost against its floor: computing the same QR matrices alone.
//! Goal (issue 4): a 1,000-label PDF costs at most 4× its 1,000 QR matrices.
//! Run: cargo bench -p server --bench labels

use criterion::{criterion_group, criterion_main, Criterion};
use server::labels::{render_pdf, Format, LabelData, QrMatrix};

fn labels(n: usize) -> Vec<LabelData> {
    (0..n)
        .map(|i| LabelData {
            url: format!(
                "https://goc.vn/t/XOAI-MX/XM{i:04}/VN-DT-CLH-MXG-001-2022/20251124/IDASHYF4N2QUA/{}",
                "4WT5M6SSKLLM4I47MCXATI5Y6ZZIUBZR7RMW52RILLMPXKJR26H4CS5Y7HXQ6PFNTIVKZ26NRNRM266CTI4J5FAAQARHTH66GYMPQAA"
            ),
            tree_code: format!("XM{i:04}"),
            species: "Xoài · Xoài cát Hòa Lộc".into(),
            zone: "VN-DT-CLH-MXG-001-2022".into(),
            cooperative: "HTX Xoài Mỹ Xương".into(),
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let batch = labels(1000);
    let mut g = c.benchmark_group("labels_1000");
    g.sample_size(10);
    g.bench_function("baseline_qr_matrices", |b| {
        b.iter(|| {
            batch
                .iter()
                .map(|l| QrMatrix::encode(&l.url).unwrap().runs.len())
                .sum::<usize>()
        })
    });
    g.bench_function("pdf_a4_3x8", |b| {
        b.iter(|| {
            render_pdf(Format::A4x24, &batch, &mut |_| ())
                .unwrap()
                .len()
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
