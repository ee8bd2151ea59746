#!/usr/bin/env bash
# Run CI as CI would: a fresh clone of the committed HEAD in ../ci-check (with
# ../shared beside it, as in CI), CI=true, no stdin. Uncommitted changes are NOT included.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
rm -rf ../ci-check
git clone -q . ../ci-check
cd ../ci-check
time CI=true bash .ci/run </dev/null
