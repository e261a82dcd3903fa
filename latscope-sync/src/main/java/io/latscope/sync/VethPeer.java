package io.latscope.sync;

import io.latscope.bpf.NetNs;
import io.latscope.error.LatScopeException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The other end of a veth. veth delivers a frame sent with XDP_TX or redirected into it
 * only when its peer runs an XDP program (that is what switches the peer to NAPI), so
 * whoever sends from XDP on a veth must make sure the peer has one. Found with
 * iproute2 ({@code ip -o -d link}), run on a thread inside each namespace.
 */
final class VethPeer {
    /** "index: name@peer:" where peer is "ifN" (another namespace) or the peer's name (this one). */
    private static final Pattern LINE = Pattern.compile("^(\\d+):\\s+([^:@\\s]+)(?:@([^:\\s]+))?:");
    private static final Pattern NETNS = Pattern.compile("\\blink-netns (\\S+)");
    private static final Pattern NETNSID = Pattern.compile("\\blink-netnsid (\\d+)");

    private VethPeer() {
    }

    /** The peer of a veth: where it is, and whether an XDP program runs on it. */
    record Peer(NetNs netns, String ifname, boolean hasXdp) {
    }

    /** The peer of {@code ifname} in {@code ns}; empty when it is not a veth. */
    static Optional<Peer> of(NetNs ns, String ifname) {
        String line = ip(ns, "-o", "-d", "link", "show", "dev", ifname).strip();
        Matcher m = LINE.matcher(line);
        if (!m.find() || !line.contains(" veth ") || m.group(3) == null) {
            return Optional.empty();
        }
        int ownIndex = Integer.parseInt(m.group(1));
        String peerRef = m.group(3);
        if (!peerRef.matches("if\\d+")) {
            // the peer is in this namespace and iproute2 names it
            String peer = ip(ns, "-o", "-d", "link", "show", "dev", peerRef);
            return Optional.of(new Peer(ns, peerRef, peer.contains(" xdp") || peer.contains("prog/xdp")));
        }
        int peerIndex = Integer.parseInt(peerRef.substring(2));
        List<NetNs> candidates = new ArrayList<>();
        Matcher named = NETNS.matcher(line);
        if (named.find()) {
            candidates.add(NetNs.named(named.group(1)));
        } else if (NETNSID.matcher(line).find()) {
            candidates.addAll(otherNamespaces(ns));
        } else {
            candidates.add(ns);
        }
        for (NetNs c : candidates) {
            for (String l : ip(c, "-o", "-d", "link", "show").lines().toList()) {
                Matcher p = LINE.matcher(l);
                if (p.find() && Integer.parseInt(p.group(1)) == peerIndex && ("if" + ownIndex).equals(p.group(3))
                        && l.contains(" veth ")) {
                    return Optional.of(new Peer(c, p.group(2), l.contains(" xdp") || l.contains("prog/xdp")));
                }
            }
        }
        throw new LatScopeException("cannot find the peer of veth " + ifname + " in " + ns + " (ifindex " + peerIndex
                + " in another network namespace that is neither named in /run/netns nor the root one)");
    }

    private static List<NetNs> otherNamespaces(NetNs self) {
        List<NetNs> out = new ArrayList<>();
        // The root namespace: /proc/1's, or (where pid 1 is off limits, as in some VMs and
        // containers) that of any process that is in it.
        addReadable(out, "init", Path.of("/proc/1/ns/net"));
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            procs.filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit))
                    .forEach(p -> addReadable(out, "pid:" + p.getFileName(), p.resolve("ns/net")));
        } catch (IOException e) {
            // no /proc: only named namespaces below
        }
        Path dir = Path.of("/run/netns");
        if (Files.isDirectory(dir)) {
            try (Stream<Path> s = Files.list(dir)) {
                s.sorted().forEach(p -> {
                    try {
                        out.add(NetNs.ofPath(p.getFileName().toString(), p));
                    } catch (RuntimeException e) {
                        // deleted meanwhile, or not a namespace file
                    }
                });
            } catch (IOException e) {
                throw new LatScopeException("listing " + dir + ": " + e.getMessage(), e);
            }
        }
        out.removeIf(n -> n.inode() == self.inode());
        List<NetNs> distinct = new ArrayList<>();
        for (NetNs n : out) {
            if (distinct.stream().noneMatch(d -> d.inode() == n.inode())) {
                distinct.add(n);
            }
        }
        return distinct;
    }

    private static void addReadable(List<NetNs> out, String name, Path path) {
        try {
            out.add(NetNs.ofPath(name, path));
        } catch (RuntimeException e) {
            // not ours to read, or the process is gone
        }
    }

    /** Runs iproute2 from a thread inside {@code ns}, so the child process is in it too. */
    private static String ip(NetNs ns, String... args) {
        List<String> cmd = new ArrayList<>(List.of("ip"));
        cmd.addAll(List.of(args));
        return ns.run(() -> {
            Process p;
            try {
                p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            } catch (IOException e) {
                throw new LatScopeException("cannot run ip (install iproute2) to find the peer of a veth: " + e.getMessage(), e);
            }
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new LatScopeException(String.join(" ", cmd) + " in " + ns + " failed: " + out.strip());
            }
            return out;
        });
    }
}
