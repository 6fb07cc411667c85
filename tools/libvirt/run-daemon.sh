#!/usr/bin/env bash
# Runs one system libvirtd as if it were its own host, so that two can live-migrate between each other on one machine
# (the real-hypervisor tests; docs/hypervisors.md). Each runs under `unshare --mount` with its own /run/libvirt,
# /var/lib/libvirt, /var/cache/libvirt, /var/log/libvirt and /etc/libvirt bind-mounted from ROOT, and its own host UUID.
# usage: run-daemon.sh ROOT MIGRATION_PORT_MIN   (foreground; the socket is ROOT/run/libvirt-sock)
# Needs: libvirt-daemon libvirt-daemon-driver-qemu libvirt-clients (apt-get install --no-install-recommends), root.
set -euo pipefail
root=$1
port=${2:-49152}
mkdir -p "$root"/{run,lib,cache,log,etc}
if [ ! -f "$root/etc/libvirtd.conf" ]; then
  cp -a /etc/libvirt/. "$root/etc/"
  uuid=$(cat /proc/sys/kernel/random/uuid)
  cat > "$root/etc/libvirtd.conf" <<CONF
unix_sock_group = "root"
unix_sock_rw_perms = "0770"
auth_unix_rw = "none"
auth_unix_ro = "none"
host_uuid = "$uuid"
CONF
  cat > "$root/etc/qemu.conf" <<CONF
user = "root"
group = "root"
dynamic_ownership = 0
remember_owner = 0
security_driver = "none"
cgroup_controllers = [ ]
namespaces = [ ]
stdio_handler = "file"
migration_port_min = $port
migration_port_max = $((port + 63))
CONF
fi
# The QEMU driver resolves its built-in user libvirt-qemu even when qemu.conf runs QEMU as root: give this daemon a
# passwd/group with it (bind-mounted in its namespace only; the machine's own files are not touched).
if [ ! -f "$root/passwd" ]; then
  cp /etc/passwd "$root/passwd"
  cp /etc/group "$root/group"
  grep -q '^libvirt-qemu:' "$root/passwd" || echo 'libvirt-qemu:x:64055:64055:libvirt qemu:/var/lib/libvirt:/usr/sbin/nologin' >> "$root/passwd"
  grep -q '^libvirt-qemu:' "$root/group" || echo 'libvirt-qemu:x:64055:' >> "$root/group"
  grep -q '^kvm:' "$root/group" || echo 'kvm:x:64056:' >> "$root/group"
fi
mkdir -p /run/libvirt /var/lib/libvirt /var/cache/libvirt /var/log/libvirt
exec unshare --mount --propagation private bash -c "
  mount --bind '$root/run' /run/libvirt
  mount --bind '$root/lib' /var/lib/libvirt
  mount --bind '$root/cache' /var/cache/libvirt
  mount --bind '$root/log' /var/log/libvirt
  mount --bind '$root/etc' /etc/libvirt
  mount --bind '$root/passwd' /etc/passwd
  mount --bind '$root/group' /etc/group
  exec /usr/sbin/libvirtd -p /run/libvirt/libvirtd.pid 2>&1
"
