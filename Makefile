# The two commands of the README. Both install what is missing and are idempotent.
.PHONY: run test run-tools tools site lint unit e2e fuzz

# Set everything up, load the demo data into an empty SQLite database, serve on :3000.
run: run-tools site
	cargo build --release -p app --bin goc
	./target/release/goc serve --demo-if-empty

# Set everything up and run every check and test, on SQLite and PostgreSQL, and in Chromium.
test: tools site lint unit e2e fuzz

# Running needs the wasm toolchain only; the tests also need Chromium, poppler and zbar.
run-tools:
	scripts/tools.sh

tools:
	scripts/tools.sh --browser

site:
	scripts/build-site.sh

lint:
	cargo fmt --all --check
	cargo clippy --workspace --all-targets -- -D warnings
	cargo clippy -p app --lib --target wasm32-unknown-unknown --no-default-features --features hydrate -- -D warnings
	cargo clippy -p ledger --lib --target wasm32-unknown-unknown --features browser,scan -- -D warnings

unit:
	scripts/postgres.sh
	cargo test --workspace --exclude e2e

e2e:
	cargo build -p app --bin goc
	cargo test -p e2e

# Every ledger decoder under libFuzzer for a few seconds each, so the targets never rot.
fuzz:
	scripts/fuzz.sh 10
