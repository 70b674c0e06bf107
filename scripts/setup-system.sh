#!/usr/bin/env bash
# Installs the Debian packages anthology needs, only those missing, with apt-get (sudo when
# not root). Building needs the book face and its fallbacks, Pango (WeasyPrint), the CMYK ICC
# profile (PDF/X) and poppler-utils (preflight). With --test it adds what the test suite
# uses: the font matrix's faces, Java (EPUBCheck), Chromium and Node.js (Ace by DAISY, epub.js,
# Playwright). With --bench it adds what `make bench` compares against: Pandoc (EPUB), and
# Chromium for the preview's latency.
set -euo pipefail
packages=(
  fonts-ebgaramond fonts-noto-core fonts-noto-cjk fonts-noto-color-emoji fontconfig
  libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 libgs-common poppler-utils
  libicu-dev pkg-config g++  # PyICU (the icu extra) builds against ICU
)
if [ "${1:-}" = "--test" ]; then
  # The font matrix (tests/test_font_matrix.py): CFF, TrueType and variable faces.
  packages+=(fonts-linuxlibertine fonts-sil-gentiumplus fonts-inter-variable)
  packages+=(chromium)
  command -v java >/dev/null 2>&1 || packages+=(default-jre-headless)
  command -v node >/dev/null 2>&1 || packages+=(nodejs)
  command -v npm >/dev/null 2>&1 || packages+=(npm)
fi
if [ "${1:-}" = "--bench" ]; then
  packages+=(pandoc chromium)
fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "Installing Debian packages: ${missing[*]}"
sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
