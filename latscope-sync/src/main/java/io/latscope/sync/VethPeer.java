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
    private static final Pattern LINE = Pattern.compile("^(\\d+):\\s+([^:@\\s]+)(?:@if(\\d+))?:");
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
        int peerIndex = Integer.parseInt(m.group(3));
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
                if (p.find() && Integer.parseInt(p.group(1)) == peerIndex && String.valueOf(ownIndex).equals(p.group(3))
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
        out.add(NetNs.ofPath("init", Path.of("/proc/1/ns/net")));
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
        return out;
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
