//! Archives on both engines: a cooperative with members, a diary with a correction, a
//! photo, a paid and shipped adoption moves to an empty server with another secret, and
//! everything it had is there and verifies; an archive that was altered, or opened with
//! the wrong passphrase, leaves the server as empty as it was.

use std::io::Read;

use secrecy::SecretString;
use server::access::Actor;
use server::archive::{self, tables};
use server::photos::Size;
use server::store::CooperativeRow;
use server::trace::{self, RecallQuery};
use server::{accounts, audit, cooperatives, Error, Services};

use crate::support::{on_both, on_both_twice, Db};
use crate::trace::orchard;
use crate::{coop, zone_and_tree};

fn passphrase() -> SecretString {
    SecretString::from("mật khẩu sao lưu của HTX".to_owned())
}

async fn export(s: &Services, c: &CooperativeRow, credentials: bool) -> Vec<u8> {
    let (done, bytes) = archive::export(
        s,
        &Actor::system(),
        c,
        &passphrase(),
        credentials,
        Vec::new(),
    )
    .await
    .unwrap();
    assert!(done.missing_photos.is_empty(), "{done:?}");
    bytes
}

/// Writes the archive where an import reads it.
fn file(bytes: &[u8]) -> tempfile_path::Path {
    tempfile_path::Path::with(bytes)
}

mod tempfile_path {
    /// A file in the temporary folder, removed when dropped.
    pub struct Path(std::path::PathBuf);

    impl Path {
        pub fn with(bytes: &[u8]) -> Self {
            use std::sync::atomic::{AtomicU32, Ordering};
            static N: AtomicU32 = AtomicU32::new(0);
            let p = std::env::temp_dir().join(format!(
                "goc-archive-test-{}-{}.tar.gz",
                std::process::id(),
                N.fetch_add(1, Ordering::SeqCst)
            ));
            std::fs::write(&p, bytes).unwrap();
            Self(p)
        }
    }

    impl std::ops::Deref for Path {
        type Target = std::path::Path;
        fn deref(&self) -> &std::path::Path {
            &self.0
        }
    }

    impl Drop for Path {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(&self.0);
        }
    }
}

/// The archive's files in order.
fn files(archive: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(archive));
    tar.entries()
        .unwrap()
        .map(|e| {
            let mut e = e.unwrap();
            let name = e.path().unwrap().to_str().unwrap().to_owned();
            let mut bytes = Vec::new();
            e.read_to_end(&mut bytes).unwrap();
            (name, bytes)
        })
        .collect()
}

/// Who changes an archive: someone who knows the format and fixes the manifest's hashes
/// (but cannot seal it), or someone who also knows the passphrase.
#[derive(Clone, Copy, PartialEq)]
enum Editor {
    Careless,
    Outsider,
    Insider,
}

/// The archive again with `edit` applied to its files, the manifest as `who` leaves it.
fn rewrite(archive: &[u8], edit: impl Fn(&str, &mut Vec<u8>), who: Editor) -> Vec<u8> {
    let mut all = files(archive);
    for (name, bytes) in &mut all {
        edit(name, bytes);
    }
    retar(all, who)
}

/// These files as an archive, the manifest as `who` leaves it: listing them all again
/// (`Outsider`, who cannot seal it) and sealing it (`Insider`).
fn retar(mut all: Vec<(String, Vec<u8>)>, who: Editor) -> Vec<u8> {
    if who != Editor::Careless {
        let header: archive::Header = serde_json::from_slice(&all[0].1).unwrap();
        let mut m: archive::Manifest = serde_json::from_slice(&all.last().unwrap().1).unwrap();
        m.files = all[..all.len() - 1]
            .iter()
            .map(|(path, bytes)| archive::FileEntry {
                path: path.clone(),
                blake3: blake3::hash(bytes).to_hex().to_string(),
                rows: path
                    .starts_with("tables/")
                    .then(|| bytes.iter().filter(|&&b| b == b'\n').count() as u64),
            })
            .collect();
        if who == Editor::Insider {
            let key = archive::passphrase_key(&passphrase(), &header.kdf).unwrap();
            m = archive::Manifest::sealed(m.files, &key).unwrap();
        }
        all.last_mut().unwrap().1 = serde_json::to_vec(&m).unwrap();
    }
    let mut tar = tar::Builder::new(flate2::write::GzEncoder::new(
        Vec::new(),
        flate2::Compression::fast(),
    ));
    for (name, bytes) in all {
        let mut h = tar::Header::new_ustar();
        h.set_size(bytes.len() as u64);
        h.set_mode(0o644);
        tar.append_data(&mut h, name, bytes.as_slice()).unwrap();
    }
    tar.into_inner().unwrap().finish().unwrap()
}

/// A blank picture `width` wide, as PNG.
fn png(width: u32) -> Vec<u8> {
    let mut out = Vec::new();
    image::DynamicImage::new_rgb8(width, width * 3 / 4)
        .write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
        .unwrap();
    out
}

/// Changes the first line of `table`'s first file that contains `from`.
fn edit_row(
    table: &'static str,
    from: &'static str,
    to: &'static str,
) -> impl Fn(&str, &mut Vec<u8>) {
    move |name, bytes| {
        if name == format!("tables/{table}/000001.jsonl") {
            let text = String::from_utf8(bytes.clone()).unwrap();
            assert!(text.contains(from), "{table} has no {from}");
            *bytes = text.replacen(from, to, 1).into_bytes();
        }
    }
}

/// The trace suite's orchard with a photo of CC002: its hash.
async fn orchard_with_photo(db: &Db) -> (crate::trace::Orchard, [u8; 32]) {
    let o = orchard(db).await;
    let photo = server::photos::add(&db.services, &Actor::system(), &o.c, "CC002", png(320))
        .await
        .unwrap();
    let hash = data_encoding::HEXLOWER.decode(photo.as_bytes()).unwrap();
    (o, hash.try_into().unwrap())
}

async fn is_empty(s: &Services) -> bool {
    s.store.cooperative_codes().await.unwrap().is_empty() && s.store.loader().await.is_ok()
}

#[tokio::test]
async fn a_cooperative_moves_to_an_empty_server_whole_and_its_log_verifies_there() {
    on_both_twice(|a: Db, b: Db| async move {
        let (src, dst) = (&a.services, &b.services);
        let (_, photo) = orchard_with_photo(&a).await;
        let name = data_encoding::HEXLOWER.encode(&photo);
        // Another cooperative on the same server stays behind.
        let other = coop(src, "XO-KH").await;
        zone_and_tree(src, &other, "XO001").await;
        let c = cooperatives::by_code(&src.store, "NA-LH").await.unwrap();

        let bytes = export(src, &c, true).await;
        let names: Vec<String> = files(&bytes).into_iter().map(|(n, _)| n).collect();
        assert_eq!(names.first().map(String::as_str), Some("archive.json"));
        assert_eq!(names.last().map(String::as_str), Some("manifest.json"));
        assert!(
            names.contains(&format!("photos/full/{}/{name}.jpg", &name[..2])),
            "{names:?}"
        );
        // The same data makes the same rows (the header's time and salt aside).
        let again = export(src, &c, true).await;
        let tables_of = |b: &[u8]| {
            files(b)
                .into_iter()
                .filter(|(n, _)| {
                    n.starts_with("tables/")
                        && !n.contains("cooperative_keys")
                        && !n.contains("payment_providers")
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(tables_of(&bytes), tables_of(&again));

        // Whoever wrote the archive tried to make its people platform administrators.
        let admins = edit_row("users", "\"is_admin\":false", "\"is_admin\":true");
        let path = file(&rewrite(&bytes, admins, Editor::Insider));
        let done = archive::import(dst, &path, &passphrase(), true)
            .await
            .unwrap();
        assert_eq!(done.cooperative, "NA-LH");
        assert_eq!(done.entries as i64, c.log_size);
        assert_eq!(done.photos, 1);
        let count = |t: &str| {
            done.tables
                .iter()
                .find(|(n, _)| n == t)
                .map_or(0, |(_, r)| *r)
        };
        assert_eq!(count("cooperatives"), 1);
        assert_eq!(count("trees"), 4);
        assert_eq!(count("orders"), 1);
        assert_eq!(count("shipments"), 1);
        assert_eq!(count("diary_submissions"), 13);
        // The farmer, the manager who invited them and the two buyers; not XO-KH's people.
        assert_eq!(count("users"), 4);

        // Everything is there, as it was.
        assert_eq!(dst.store.cooperative_codes().await.unwrap(), ["NA-LH"]);
        let moved = cooperatives::by_code(&dst.store, "NA-LH").await.unwrap();
        assert_eq!(moved, c);
        assert_eq!(
            dst.store.log_page(c.id, 0, 1_000).await.unwrap(),
            src.store.log_page(c.id, 0, 1_000).await.unwrap()
        );
        assert_eq!(
            dst.store.checkpoints_of(c.id).await.unwrap(),
            src.store.checkpoints_of(c.id).await.unwrap()
        );
        let report = audit::verify(dst, &[]).await.unwrap();
        assert!(
            report[0].1.problems.is_empty(),
            "{:?}",
            report[0].1.problems
        );
        assert_eq!(
            dst.photos.get(&photo, Size::Full).await.unwrap(),
            src.photos.get(&photo, Size::Full).await.unwrap()
        );
        // The recall index was rebuilt from the log: the same answer on both servers.
        let q = || RecallQuery::parse("RG-2401", "", "").unwrap();
        let before = trace::recall(src, &Actor::system(), &c, q()).await.unwrap();
        let after = trace::recall(dst, &Actor::system(), &moved, q())
            .await
            .unwrap();
        assert_eq!(before.trees(), after.trees());
        assert_eq!(after.trees().len(), 3);
        // People sign in as before (an operator's backup carries password hashes), and
        // nobody is an administrator there.
        let lan = accounts::log_in(&dst.store, "0912000001", "a long password")
            .await
            .unwrap();
        let lan = accounts::actor(&dst.store, &lan.token)
            .await
            .unwrap()
            .unwrap();
        assert!(!lan.is_admin);

        // ...and the cooperative carries on: its key (sealed under the other server's
        // secret before) signs a new tree, new rows get fresh ids.
        let ident = zone_and_tree(dst, &moved, "CC005").await;
        let keys = cooperatives::key_history(&dst.store, &moved).await.unwrap();
        assert!(ident.verify(&keys, None).is_ok());
        let fresh = coop(dst, "NA-MOI").await;
        assert!(fresh.id > c.id);
        let report = audit::verify(dst, &[]).await.unwrap();
        assert!(
            report.iter().all(|(_, r)| r.problems.is_empty()),
            "{report:?}"
        );

        // A manager's download carries no password hashes and no administrator.
        let plain = files(&export(src, &c, false).await);
        let users = &plain
            .iter()
            .find(|(n, _)| n == "tables/users/000001.jsonl")
            .unwrap()
            .1;
        let users = String::from_utf8(users.clone()).unwrap();
        assert!(
            users
                .lines()
                .all(|l| l.contains("\"password_hash\":null") && l.contains("\"is_admin\":false")),
            "{users}"
        );
    })
    .await;
}

#[tokio::test]
async fn an_altered_archive_or_a_wrong_passphrase_leaves_the_server_empty() {
    on_both_twice(|a: Db, b: Db| async move {
        let (src, dst) = (&a.services, &b.services);
        let (o, photo) = orchard_with_photo(&a).await;
        let c = cooperatives::by_code(&src.store, "NA-LH").await.unwrap();
        let bytes = export(src, &c, false).await;
        let refused = |archive: Vec<u8>, pass: SecretString| async move {
            let path = file(&archive);
            let e = archive::import(dst, &path, &pass, false).await.unwrap_err();
            assert!(is_empty(dst).await, "something stayed behind after: {e}");
            assert!(
                dst.photos.get(&photo, Size::Full).await.unwrap().is_none(),
                "{e}"
            );
            e.public_text().en
        };

        let wrong = refused(
            bytes.clone(),
            SecretString::from("not the passphrase".to_owned()),
        )
        .await;
        assert_eq!(wrong, "Wrong passphrase for this archive");
        let subject = || edit_row("ledger_entries", "\"subject\":\"", "\"subject\":\"x");
        // A log entry's row changed by someone without the passphrase: the manifest's
        // seal no longer opens to its files.
        let e = refused(rewrite(&bytes, subject(), Editor::Outsider), passphrase()).await;
        assert!(e.contains("manifest is not sealed"), "{e}");
        // The same by someone who has it: the log's audit catches it.
        let e = refused(rewrite(&bytes, subject(), Editor::Insider), passphrase()).await;
        assert!(e.contains("does not verify"), "{e}");
        // The stored Merkle tree dropped: proofs would not verify, so neither does the log.
        let no_tree = |name: &str, bytes: &mut Vec<u8>| {
            if name.starts_with("tables/merkle_nodes/") {
                bytes.clear();
            }
        };
        let e = refused(rewrite(&bytes, no_tree, Editor::Insider), passphrase()).await;
        assert!(e.contains("Merkle tree does not match"), "{e}");
        // An order's price changed, the manifest left alone.
        let e = refused(
            rewrite(
                &bytes,
                edit_row("orders", "5500000", "5000"),
                Editor::Careless,
            ),
            passphrase(),
        )
        .await;
        assert!(
            e.contains("tables/orders/000001.jsonl does not match the manifest"),
            "{e}"
        );
        // A signing key that does not open.
        let key = edit_row(
            "cooperative_keys",
            "\"secret_sealed\":{\"b64\":\"",
            "\"secret_sealed\":{\"b64\":\"AAAA",
        );
        let e = refused(rewrite(&bytes, key, Editor::Insider), passphrase()).await;
        assert!(e.contains("does not open"), "{e}");
        // Photos: one the records do not name (a disk filler), and a thumbnail swapped
        // for something larger than its photo. Neither is stored, nor any photo before them.
        let extra = |name: &str, bytes: &mut Vec<u8>| {
            if name.starts_with("photos/thumb/") {
                *bytes = png(2000);
            }
        };
        let e = refused(rewrite(&bytes, extra, Editor::Insider), passphrase()).await;
        assert!(
            e.contains("is not a JPEG") || e.contains("does not follow its photo"),
            "{e}"
        );
        let mut stray = files(&bytes);
        let jpeg = stray
            .iter()
            .find(|(n, _)| n.starts_with("photos/full/"))
            .unwrap()
            .1
            .clone();
        let hash = blake3::hash(&[jpeg.clone(), vec![0]].concat())
            .to_hex()
            .to_string();
        stray.insert(
            stray.len() - 1,
            (
                format!("photos/full/{}/{hash}.jpg", &hash[..2]),
                [jpeg, vec![0]].concat(),
            ),
        );
        let e = refused(retar(stray, Editor::Insider), passphrase()).await;
        assert!(e.contains("is not one its records name"), "{e}");

        // Not an archive at all.
        let e = refused(b"PK\x03\x04 a zip, say".to_vec(), passphrase()).await;
        assert!(e.contains("damaged"), "{e}");

        // A manager's download never carries password hashes.
        let e = archive::export(src, &o.manager, &c, &passphrase(), true, Vec::new())
            .await
            .unwrap_err();
        assert!(matches!(e, Error::Forbidden), "{e:?}");
        let e = archive::export(
            src,
            &o.manager,
            &c,
            &SecretString::from("short".to_owned()),
            false,
            Vec::new(),
        )
        .await
        .unwrap_err();
        assert!(e.public_text().en.contains("at least 12"), "{e}");

        // After every refusal the genuine archive still imports, once.
        let path = file(&bytes);
        archive::import(dst, &path, &passphrase(), false)
            .await
            .unwrap();
        assert!(dst.photos.get(&photo, Size::Full).await.unwrap().is_some());
        let twice = archive::import(dst, &path, &passphrase(), false)
            .await
            .unwrap_err();
        assert!(matches!(twice, Error::Conflict(_)), "{twice:?}");
        // Without credentials, nobody signs in with an old password.
        assert!(
            accounts::log_in(&dst.store, "0912000001", "a long password")
                .await
                .is_err()
        );
    })
    .await;
}

#[tokio::test]
async fn every_table_is_archived_or_left_out_for_a_reason() {
    on_both(|db: Db| async move {
        let names = db.services.store.table_names().await.unwrap();
        for name in &names {
            let archived = tables::position(name).is_some();
            let left_out = tables::LEFT_OUT.iter().any(|(t, _)| t == name);
            assert!(
                archived != left_out,
                "{name}: archived {archived}, left out {left_out}"
            );
        }
        assert_eq!(names.len(), tables::TABLES.len() + tables::LEFT_OUT.len());
    })
    .await;
}
