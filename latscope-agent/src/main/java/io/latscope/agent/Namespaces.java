package io.latscope.agent;

import io.latscope.bpf.Capability;
import io.latscope.bpf.NetNs;
import io.latscope.error.NotSupportedException;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Every network namespace in use on this host: named ones first, then those of processes. */
final class Namespaces {
    private Namespaces() {
    }

    static List<NetNs> all() {
        Map<Long, NetNs> byInode = new LinkedHashMap<>();
        NetNs self = NetNs.current();
        byInode.put(self.inode(), self);
        list(Path.of("/run/netns"), p -> NetNs.ofPath(p.getFileName().toString(), p), byInode);
        list(Path.of("/proc"), p -> {
            String n = p.getFileName().toString();
            return n.chars().allMatch(Character::isDigit) ? NetNs.ofPid(Long.parseLong(n)) : null;
        }, byInode);
        return new ArrayList<>(byInode.values());
    }

    /**
     * Netfilter links, socket iterators and sock_diag work from inside each namespace, and
     * entering one (setns) needs CAP_SYS_ADMIN. Without it a session that asks for another
     * namespace fails here, naming what is missing, rather than losing those points one by one.
     */
    static void requireEnterable(List<NetNs> namespaces) {
        long self = NetNs.current().inode();
        List<String> others = namespaces.stream().filter(n -> n.inode() != self).map(NetNs::name).toList();
        if (!others.isEmpty() && !Capability.SYS_ADMIN.isEffective()) {
            throw new NotSupportedException("measuring other network namespaces", "entering " + String.join(", ", others)
                    + " (setns) needs CAP_SYS_ADMIN, which this process lacks: run as root or grant CAP_SYS_ADMIN, or start"
                    + " the process inside the namespace to measure (e.g. nsenter --net=/run/netns/NAME) and leave"
                    + " namespaces(...) unset: its own namespace needs only CAP_BPF, CAP_PERFMON and CAP_NET_ADMIN");
        }
    }

    private interface Resolver {
        NetNs resolve(Path p);
    }

    private static void list(Path dir, Resolver r, Map<Long, NetNs> out) {
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                try {
                    NetNs ns = r.resolve(p);
                    if (ns != null) {
                        out.putIfAbsent(ns.inode(), ns);
                    }
                } catch (RuntimeException e) {
                    // a process that exited meanwhile, or a stale mount
                }
            }
        } catch (IOException e) {
            // nothing to add
        }
    }
}
