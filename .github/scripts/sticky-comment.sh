#!/usr/bin/env bash
# Usage: sticky-comment.sh <key> <markdown file>
# Creates, or edits in place, the one pull-request comment that starts with <!-- dms2bq:<key> -->,
# so every push updates the same comment instead of adding another. Needs GH_TOKEN (pull-requests:
# write), GITHUB_REPOSITORY and PR_NUMBER. GitHub refuses comment bodies over 65,536 characters:
# longer reports are cut, and the job summary keeps the whole text.
set -euo pipefail
key="$1"
file="$2"
marker="<!-- dms2bq:${key} -->"
limit=60000
report="$(cat "$file")"
if [ "${#report}" -gt "$limit" ]; then
  report="${report:0:$limit}"$'\n\n… cut at 60,000 characters: the whole report is in the job summary of this run.'
fi
body="${marker}"$'\n'"${report}"
existing="$(gh api --paginate "repos/${GITHUB_REPOSITORY}/issues/${PR_NUMBER}/comments" \
  --jq ".[] | select(.body | startswith(\"${marker}\")) | .id" | head -n 1)"
if [ -n "$existing" ]; then
  gh api --method PATCH "repos/${GITHUB_REPOSITORY}/issues/comments/${existing}" -f body="$body" >/dev/null
else
  gh api --method POST "repos/${GITHUB_REPOSITORY}/issues/${PR_NUMBER}/comments" -f body="$body" >/dev/null
fi
