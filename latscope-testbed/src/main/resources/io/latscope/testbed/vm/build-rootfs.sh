#!/bin/sh
# Builds the guest root file system image for GuestVm (latscope-testbed): Debian bookworm
# minbase with sshd, iproute2, libbpf and tc, the host's modules for the guest kernel, and
# /sbin/latscope-init (guest-init.sh) as PID 1. Usage: build-rootfs.sh KERNEL_RELEASE IMAGE INIT_SCRIPT
# Writes IMAGE.tmp and renames it into place only when everything succeeded.
set -eu
release=$1; image=$2; init=$3
work=$(mktemp -d "${image}.build.XXXXXX")
trap 'umount "$work/root/proc" 2>/dev/null || true; rm -rf "$work" "$image.tmp"' EXIT
debootstrap --variant=minbase \
  --include=openssh-server,iproute2,libbpf1,bpftool,kmod,procps,coreutils,util-linux,ethtool,libelf1,zlib1g \
  bookworm "$work/root" http://deb.debian.org/debian >"$work/debootstrap.log" 2>&1 \
  || { tail -n 30 "$work/debootstrap.log" >&2; exit 1; }
root=$work/root
# only what the guest kernel needs of its modules: networking, 9p, block, file systems, qdiscs
mkdir -p "$root/lib/modules/$release"
cp -a /lib/modules/"$release"/modules.* "$root/lib/modules/$release/"
( cd /lib/modules/"$release" && tar cf - kernel/net kernel/fs/9p kernel/fs/netfs kernel/fs/fscache \
    kernel/drivers/net/virtio_net.ko* kernel/drivers/net/veth.ko* kernel/drivers/net/tun.ko* kernel/drivers/net/ifb.ko* kernel/drivers/net/net_failover.ko* kernel/drivers/net/failover.ko* \
    kernel/drivers/virtio kernel/drivers/block/virtio_blk.ko* kernel/drivers/ptp kernel/drivers/pps \
    kernel/lib kernel/crypto kernel/arch 2>/dev/null ) | tar xf - -C "$root/lib/modules/$release"
chroot "$root" depmod "$release"
install -m 0755 "$init" "$root/sbin/latscope-init"
mkdir -p "$root/usr/lib/jvm/host-jdk" "$root/root/.cache/latscope" "$root/run/latscope"
rm -f "$root"/etc/ssh/ssh_host_*
echo latscope-guest > "$root/etc/hostname"
# no package cache or lists: the image stays small
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
size=$(( $(du -sm "$root" | cut -f1) + 256 ))
mkfs.ext4 -q -F -L latscope-root -d "$root" "$image.tmp" "${size}M"
mv -f "$image.tmp" "$image"
