//! Bulk import on both engines: thousands of rows in one transaction, with progress.

use server::access::Actor;
use server::import;
use server::jobs::Status;
use server::zones::{self, NewZone};

use crate::support::{on_both, Db};

#[tokio::test]
async fn two_thousand_rows_import_as_one_unit_while_another_tree_is_registered() {
    on_both(|db: Db| async move {
        let s = &db.services;
        let c = crate::coop(s, "NA-LH").await;
        crate::zone_and_tree(s, &c, "X1").await;
        let other = NewZone::parse(None, "Bãi xoài", &["na", "xoài"], 3.0, 2).unwrap();
        zones::create(&s.store, &Actor::system(), &c, other)
            .await
            .unwrap();
        let mut csv = String::from("species,variety,planted_on,zone,lat,lon\n");
        for i in 0..2000 {
            let zone = if i % 2 == 0 {
                "VN-TN-VNH-LHN-001-2023"
            } else {
                "bãi xoài"
            };
            csv.push_str(&format!("na,Na dai,2019-04-12,{zone},21.{i:04},105.9\n"));
        }
        let me = Actor::system();
        let plan = import::plan(&s.store, &me, &c, csv.as_bytes())
            .await
            .unwrap();
        assert!(plan.errors.is_empty(), "{:?}", plan.errors);
        let (store, sealer, coop) = (s.store.clone(), s.sealer.clone(), c.clone());
        let id = s
            .jobs
            .spawn(c.id, plan.trees.len(), move |progress| async move {
                import::run(
                    &store,
                    &sealer,
                    &Actor::system(),
                    &coop,
                    plan.trees,
                    progress,
                )
                .await
                .map(Into::into)
            })
            .await
            .unwrap();
        // A tree registered by hand meanwhile waits its turn instead of failing.
        crate::zone_and_tree(s, &c, "X2").await;
        let count = loop {
            match s.jobs.status(&me, c.id, &id).await.unwrap() {
                Status::Running { done, total } => assert!(done <= total && total == 2000),
                Status::Finished { count, .. } => break count,
                Status::Failed(t) => panic!("{t}"),
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        };
        assert_eq!(count, 2000);
        let trees = s.store.trees_of(c.id).await.unwrap();
        assert_eq!(trees.len(), 2002);
        assert!(trees.iter().any(|t| t.code == "CC2000"));
        let c = server::cooperatives::by_code(&s.store, "NA-LH")
            .await
            .unwrap();
        assert_eq!(c.log_size, 2 + 2 + 2000, "two zones, two trees, the import");
        let v = server::trees::view(&s.store, &s.sealer.platform_public(), "NA-LH", "CC1234", None)
            .await
            .unwrap();
        assert!(matches!(v.verdict, server::trees::Verdict::Verified { .. }));
        // Another cooperative's member cannot see the job.
        let stranger = Actor {
            user_id: 99,
            is_admin: false,
            ..Actor::system()
        };
        assert!(s.jobs.status(&stranger, c.id, &id).await.is_err());
        // The job is in the database: a second server over it sees the same (here, the
        // same store through another Jobs handle), and the farmer-level right is not
        // enough for a file.
        let other = server::jobs::Jobs::new(s.store.clone());
        assert_eq!(
            other.status(&me, c.id, &id).await.unwrap(),
            Status::Finished { count: 2000, file: None }
        );
        assert!(matches!(other.file(&me, c.id, &id).await, Err(server::Error::NotFound(_))));
        // A job whose server stopped reads as failed, never as running forever.
        db.raw_execute(&format!("UPDATE jobs SET state = 'running', updated_at = 1 WHERE id = '{id}'"))
            .await
            .unwrap();
        assert!(matches!(other.status(&me, c.id, &id).await.unwrap(), Status::Failed(t) if t.en.contains("restarted")));
    })
    .await;
}

/// Background work is bounded: two jobs at a time per cooperative, the third is refused
/// with a reason (a burst of label batches cannot take the server's CPU and memory).
#[tokio::test]
async fn a_cooperative_runs_at_most_two_background_jobs_at_once() {
    on_both(|db: Db| async move {
        let s = &db.services;
        let c = crate::coop(s, "NA-LH").await;
        let gate = std::sync::Arc::new(tokio::sync::Semaphore::new(0));
        for _ in 0..2 {
            let g = gate.clone();
            s.jobs
                .spawn(c.id, 1, move |_| async move {
                    let _ = g.acquire().await;
                    Ok(0usize.into())
                })
                .await
                .unwrap();
        }
        let third = s
            .jobs
            .spawn(c.id, 1, |_| async { Ok(0usize.into()) })
            .await
            .unwrap_err();
        assert!(matches!(third, server::Error::Conflict(_)), "{third:?}");
        gate.add_permits(2);
    })
    .await;
}
