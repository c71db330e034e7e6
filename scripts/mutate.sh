#!/usr/bin/env bash
# npm run mutate [-- <group> ...] [-- stryker options]: mutation testing of the modules that carry Keel's promises,
# one group at a time (mutation-groups.mjs), inside a private keyring, then the score table of every group that has
# a report (scripts/mutation-scores.mjs). Not part of `npm test` or CI: it is CPU heavy.
set -euo pipefail
cd "$(dirname "$0")/.."
groups=()
while [ $# -gt 0 ] && [[ "$1" != -* ]]; do groups+=("$1"); shift; done
if [ ${#groups[@]} -eq 0 ]; then
  mapfile -t groups < <(bash scripts/n24.sh node -e "import('./mutation-groups.mjs').then(m => console.log(m.GROUPS.map(g => g.name).join('\n')))")
fi
status=0
for g in "${groups[@]}"; do
  echo "keel: mutation group $g" >&2
  KEEL_MUTATE_GROUP="$g" bash scripts/n24.sh scripts/with-keyring.sh stryker run "$@" || status=$?
done
bash scripts/n24.sh node scripts/mutation-scores.mjs
exit $status
