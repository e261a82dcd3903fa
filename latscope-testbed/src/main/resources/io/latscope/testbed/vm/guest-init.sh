#!/bin/sh
# PID 1 of the GuestVm guest: kernel file systems, modules, the NIC from the kernel command
# line (ls.ip=ADDR/PREFIX ls.gw=GATEWAY), the host's JDK, the per-boot configuration and
# the directories it lists over 9p (read-only), the agent's class path cache over 9p, then sshd in the foreground.
# Prints "latscope-guest: ..." lines on the serial console for the host to follow.
PATH=/usr/sbin:/usr/bin:/sbin:/bin; export PATH
say() { echo "latscope-guest: $*" >/dev/console; }
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mkdir -p /dev/pts /dev/shm
mount -t devpts -o gid=5,mode=620 devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
mount -t tmpfs tmpfs /run
mount -t tmpfs tmpfs /tmp
mount -o remount,rw /
mount -t bpf bpf /sys/fs/bpf
mount -t tracefs tracefs /sys/kernel/tracing
mount -t debugfs debugfs /sys/kernel/debug
mount -t cgroup2 cgroup2 /sys/fs/cgroup
for m in virtio_net 9pnet_virtio 9p sch_tbf sch_netem sch_htb cls_bpf act_bpf veth bridge; do
  modprobe -q $m || say "modprobe $m failed"
done
ip=; gw=
for w in $(cat /proc/cmdline); do
  case $w in ls.ip=*) ip=${w#ls.ip=} ;; ls.gw=*) gw=${w#ls.gw=} ;; esac
done
ip link set lo up
ip addr add "$ip" dev eth0 && ip link set eth0 up || say "network setup failed"
[ -n "$gw" ] && ip route add default via "$gw"
mkdir -p /run/latscope/cfg
mount -t 9p -o trans=virtio,version=9p2000.L,ro,cache=loose jdk /usr/lib/jvm/host-jdk || say "9p jdk failed"
mount -t 9p -o trans=virtio,version=9p2000.L,ro cfg /run/latscope/cfg || say "9p cfg failed"
mount -t 9p -o trans=virtio,version=9p2000.L,cache=none,msize=262144 agentcache /root/.cache/latscope || say "9p agent cache failed"
# host directories shared read-only at their own paths (class path, test programs): tag path per line
while read -r tag path; do
  mkdir -p "$path" && mount -t 9p -o trans=virtio,version=9p2000.L,ro,cache=loose "$tag" "$path" || say "9p $path failed"
done < /run/latscope/cfg/shares
mkdir -p /run/sshd /root/.ssh
cp /run/latscope/cfg/ssh_host_ed25519_key /run/latscope/ssh_host_ed25519_key
chmod 600 /run/latscope/ssh_host_ed25519_key
cp /run/latscope/cfg/authorized_keys /root/.ssh/authorized_keys
chmod 700 /root/.ssh; chmod 600 /root/.ssh/authorized_keys
ln -sf /usr/lib/jvm/host-jdk/bin/java /usr/bin/java
say "up $(cut -d' ' -f1 /proc/uptime) s"
/usr/sbin/sshd -D -e -f /run/latscope/cfg/sshd_config >/dev/console 2>&1
say "sshd exited: $?"
echo o > /proc/sysrq-trigger
