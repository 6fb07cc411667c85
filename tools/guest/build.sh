#!/usr/bin/env bash
# Builds the tiny test guest the real-QEMU tests and `prescient up --hypervisor qemu` boot, from Debian packages only:
#   vmlinux             the Debian kernel, uncompressed (PVH ELF entry: boots in ~3 s under TCG; vmlinuz takes ~16 s)
#   initramfs.cpio.gz   busybox-static plus tools/guest/load.c (memory dirtying, daily CPU shape, heartbeat on ttyS0)
# Output: artifacts/guest/ (gitignored), or the folder given as $1. Rebuilt only when this script, load.c or the kernel
# package changes (a stamp file records them). Needs apt sources (apt-get update done), gcc with libc6-dev, xz, gzip.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here/../../artifacts/guest}
mkdir -p "$out"
out=$(cd "$out" && pwd)

for tool in apt-get apt-cache dpkg-deb gcc xz gzip cpio; do
  if ! command -v "$tool" >/dev/null; then
    [ "$tool" = cpio ] && continue # busybox provides cpio below
    echo "build-guest: '$tool' is missing (apt-get install --no-install-recommends gcc libc6-dev xz-utils gzip)" >&2
    exit 1
  fi
done

kernel=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
if [ -z "$kernel" ]; then
  echo "build-guest: no kernel package found (run apt-get update first)" >&2
  exit 1
fi
stamp="$kernel $(cat "$0" "$here/load.c" | sha256sum | cut -c1-16)"
if [ -f "$out/vmlinux" ] && [ -f "$out/initramfs.cpio.gz" ] && [ "$(cat "$out/.stamp" 2>/dev/null)" = "$stamp" ]; then
  echo "build-guest: up to date in $out ($stamp)"
  exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
mkdir debs x root
(cd debs && apt-get download -o APT::Sandbox::User=root "$kernel" busybox-static >/dev/null)
dpkg-deb --fsys-tarfile debs/linux-image-*.deb | tar -x -C x --wildcards './boot/vmlinuz-*'

# Debian's bzImage carries an xz-compressed ELF: find the xz stream and decompress it (xz complains about the bytes
# after the stream; the ELF before them is complete).
vmlinuz=$(ls x/boot/vmlinuz-*)
offset=$(LC_ALL=C grep -abo $'\xfd7zXZ\x00' "$vmlinuz" | head -1 | cut -d: -f1)
tail -c +"$((offset + 1))" "$vmlinuz" | xz -dc > vmlinux 2>/dev/null || true
if [ "$(head -c 4 vmlinux | od -An -c | tr -d ' ')" != "177ELF" ]; then
  echo "build-guest: could not extract an ELF kernel from $vmlinuz" >&2
  exit 1
fi

dpkg-deb -x debs/busybox-static_*.deb x
mkdir -p root/bin root/proc root/sys root/dev
gcc -static -O2 -o root/bin/load "$here/load.c" -lm
cp x/bin/busybox root/bin/busybox
cat > root/init <<'SH'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev 2>/dev/null
echo "GUEST-READY uptime=$(cut -d' ' -f1 /proc/uptime)"
exec /bin/load
SH
chmod +x root/init
mknod -m 600 root/dev/console c 5 1 2>/dev/null || true
(cd root && find . | ../x/bin/busybox cpio -o -H newc 2>/dev/null | gzip -1 > ../initramfs.cpio.gz)

mv vmlinux initramfs.cpio.gz "$out/"
echo "$stamp" > "$out/.stamp"
echo "build-guest: built $out ($(du -h "$out/vmlinux" | cut -f1) kernel, $(du -h "$out/initramfs.cpio.gz" | cut -f1) initramfs; $stamp)"
