#!/usr/bin/env bash
# Formats the whole tree once with the project's formatter (biome.jsonc), then shows that the checks CI
# runs still pass. For the lead, after all branches are merged: run it, review `git diff --stat`, commit.
set -euo pipefail
cd "$(dirname "$0")/.."

# Twice: on this tree biome 2.6.8 settles two member chains only on a second pass (measured: 146 files, then 2, then 0).
npx biome format --write .
npx biome format --write .
npx biome format .                # the CI check: must now report nothing to change
npx biome lint --error-on-warnings .
npm run --silent build
npm run --silent typecheck
git diff --stat | tail -1
