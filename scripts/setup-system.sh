#!/usr/bin/env bash
# Installs the Debian packages anthology needs, only those missing: fonts (the book face and
# its fallbacks), Pango for WeasyPrint, the ICC profile for PDF/X, poppler-utils for tests,
# and Java for EPUBCheck. Uses sudo when not root.
set -euo pipefail
packages=(
  fonts-ebgaramond fonts-noto-core fonts-noto-cjk fonts-noto-color-emoji
  libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 libgs-common
  poppler-utils default-jre-headless
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
# Java may already be present from another package (e.g. openjdk-17-jre-headless).
if command -v java >/dev/null 2>&1; then
  missing=("${missing[@]/default-jre-headless}")
fi
missing=($(printf '%s\n' "${missing[@]}" | grep -v '^$' || true))
[ ${#missing[@]} -eq 0 ] && exit 0
echo "Installing Debian packages: ${missing[*]}"
sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
