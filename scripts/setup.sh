#!/usr/bin/env bash
# Installs every Debian package (and npm package) the project needs, at pinned versions.
# Idempotent: packages already at the pinned version are not touched, so a second run is a no-op.
# Debian's security archive drops superseded builds (chromium, ffmpeg, ...): when a pinned
# version can no longer be had, the current one is installed and a warning names the drift.
#   scripts/setup.sh              build + test dependencies
#   scripts/setup.sh --reference  also what tools/reference needs (python3-torch, ...)
set -euo pipefail
cd "$(dirname "$0")/.."

lists=(scripts/apt-packages.txt)
[[ "${1:-}" == "--reference" ]] && lists+=(scripts/apt-packages-reference.txt)

missing=()
while IFS= read -r line; do
  line="${line%%#*}"; line="${line// /}"
  [[ -z "$line" ]] && continue
  name="${line%%=*}" version="${line#*=}"
  have=$(dpkg-query -W -f='${Status} ${Version}' "$name" 2>/dev/null || true)
  [[ "$have" == "install ok installed $version" ]] && continue
  # A pin the archive no longer offers, with the package already at the version it offers
  # instead: nothing to install (and no apt-get update on every run), only the drift to report.
  installed="${have#install ok installed }"
  if [[ "$have" == "install ok installed "* ]] &&
     ! apt-cache madison "$name" | awk -F'|' '{gsub(/ /, "", $2); print $2}' | grep -qxF "$version" &&
     [[ "$(apt-cache policy "$name" | awk '/Candidate:/{print $2}')" == "$installed" ]]; then
    echo "setup: WARNING: $name $version is no longer offered; keeping the installed $installed" >&2
    continue
  fi
  missing+=("$name=$version")
done < <(cat "${lists[@]}")

if ((${#missing[@]})); then
  echo "setup: installing ${#missing[@]} Debian package(s): ${missing[*]}"
  sudo=""; [[ $(id -u) -ne 0 ]] && sudo="sudo"
  $sudo apt-get update -qq
  wanted=()
  for spec in "${missing[@]}"; do
    name="${spec%%=*}" version="${spec#*=}"
    if apt-cache madison "$name" | awk -F'|' '{gsub(/ /, "", $2); print $2}' | grep -qxF "$version"; then
      wanted+=("$spec")
    else
      echo "setup: WARNING: $name $version is no longer offered; installing the current $name" >&2
      wanted+=("$name")
    fi
  done
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends --allow-downgrades \
    "${wanted[@]}" >/dev/null
fi

# npm packages (test data, web assets) are pinned by package-lock.json. Machines of this kind
# ship Node.js with npm; anywhere else Debian's own nodejs and npm do.
if ! command -v npm >/dev/null 2>&1; then
  echo "setup: installing Debian's nodejs and npm"
  sudo=""; [[ $(id -u) -ne 0 ]] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
fi
if [[ -f package-lock.json ]] && ! npm ls --silent >/dev/null 2>&1; then
  echo "setup: installing npm packages from package-lock.json"
  npm ci --silent --no-audit --no-fund
fi
echo "setup: dependencies ready"
