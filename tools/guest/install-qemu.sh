#!/usr/bin/env bash
# Installs QEMU >= 9.0 (qemu-system-x86, no recommends) from bookworm-backports, using the same mirror as the machine's
# existing Debian source. Debian 12's own QEMU 7.2 corrupts TCG guests' memory once pre-copy runs several rounds (fixed
# upstream in 9.0), so the real-hypervisor tests refuse it. Does nothing when a QEMU >= 9 is already installed.
set -euo pipefail
have=$(qemu-system-x86_64 --version 2>/dev/null | sed -n 's/.*version \([0-9]*\)\..*/\1/p' | head -1)
if [ -n "$have" ] && [ "$have" -ge 9 ]; then
  echo "install-qemu: $(qemu-system-x86_64 --version | head -1)"
  exit 0
fi

# The mirror of the existing Debian source (deb822 .sources first, then a one-line sources.list).
uri=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
if [ -z "$uri" ]; then
  uri=$(awk '$1 == "deb" && $0 ~ /bookworm/ {print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
fi
if [ -z "$uri" ]; then
  echo "install-qemu: no Debian source found to take the mirror from" >&2
  exit 1
fi

if ! grep -rqs "bookworm-backports" /etc/apt/sources.list /etc/apt/sources.list.d/; then
  cat > /etc/apt/sources.list.d/bookworm-backports.sources <<SOURCES
Types: deb
URIs: $uri
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
fi

apt-get update -q >/dev/null
DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends -t bookworm-backports qemu-system-x86 >/dev/null
echo "install-qemu: $(qemu-system-x86_64 --version | head -1)"
