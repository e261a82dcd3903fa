package io.latscope.remote;

import io.latscope.error.RemoteHostException;
import io.latscope.Host;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Finds out in one remote shell script what a host has: user, kernel, sudo, BTF, libbpf,
 * Java installations, whether the sync port is free. Parsing and judging happen here, in
 * Java, so the script stays plain POSIX sh.
 */
final class HostProbe {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    /** Arguments: java feature, udp port (0 = skip), configured java home ("" = probe), sudo (0/1). */
    private static final String SCRIPT = """
            feature=$1; port=$2; jhome=$3; usesudo=$4
            echo "uid=$(id -u)"
            echo "user=$(id -un)"
            echo "kernel=$(uname -r)"
            if [ "$(id -u)" != 0 ] && [ "$usesudo" = 1 ]; then
              if out=$(sudo -n true 2>&1); then echo "sudo=ok"; else echo "sudo=fail $(echo "$out" | head -n 1)"; fi
            fi
            if [ -r /sys/kernel/btf/vmlinux ]; then echo "btf=$(od -An -tx1 -N2 /sys/kernel/btf/vmlinux | tr -d ' \\n')"
            else echo "btf=missing"; fi
            if PATH="$PATH:/sbin:/usr/sbin" ldconfig -p 2>/dev/null | grep -q 'libbpf\\.so\\.1 '; then echo "libbpf=ok"
            else
              for f in /usr/lib/*/libbpf.so.1 /lib/*/libbpf.so.1 /usr/lib64/libbpf.so.1 /lib64/libbpf.so.1 \\
                       /usr/local/lib/libbpf.so.1 /usr/local/lib64/libbpf.so.1; do
                if [ -e "$f" ]; then echo "libbpf=ok"; break; fi
              done
            fi
            cand() {
              if [ ! -x "$1" ]; then echo "java=$1 missing"; return; fi
              r=$(readlink -f "$1"); h=${r%/bin/java}; v=
              if [ -r "$h/release" ]; then v=$(sed -n 's/^JAVA_VERSION="\\(.*\\)"$/\\1/p' "$h/release"); fi
              if [ -z "$v" ]; then v=$("$1" -version 2>&1 | sed -n '1s/.*version "\\([^"]*\\)".*/\\1/p'); fi
              echo "java=$1 ${v:-unknown}"
            }
            if [ -n "$jhome" ]; then cand "$jhome/bin/java"
            else
              if [ -n "$JAVA_HOME" ]; then cand "$JAVA_HOME/bin/java"; fi
              if j=$(command -v java 2>/dev/null); then cand "$j"; fi
              for d in /usr/lib/jvm/*"$feature"*; do if [ -d "$d" ]; then cand "$d/bin/java"; fi; done
            fi
            if [ "$port" != 0 ]; then
              hex=$(printf '%04X' "$port")
              if cat /proc/net/udp /proc/net/udp6 2>/dev/null \\
                  | awk -v p=":$hex" 'toupper(substr($2, length($2) - 4)) == p { f = 1 } END { exit !f }'; then
                echo "udp=busy"
              else echo "udp=free"; fi
            fi
            if command -v sha256sum >/dev/null 2>&1; then echo "sha256sum=ok"; fi
            """;

    private HostProbe() {
    }

    /** Probes a connected host and judges it against {@code req}. */
    static HostCheck check(SshConnection c, Preflight req) {
        Host.Ssh h = c.host();
        SshConnection.Result r = c.script(SCRIPT, List.of(String.valueOf(req.javaFeatureVersion()),
                String.valueOf(req.udpSyncPort()), h.javaHome() == null ? "" : h.javaHome(), h.sudo() ? "1" : "0"), TIMEOUT);
        if (r.exit() != 0) {
            return new HostCheck(h, List.of("the probe script failed (exit " + r.exit() + "): "
                    + RemoteHostException.excerpt(r.stderr())), null, null, false);
        }
        Map<String, String> kv = new LinkedHashMap<>();
        List<String> javas = new ArrayList<>();
        for (String line : r.stdout().lines().toList()) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                String k = line.substring(0, eq);
                if (k.equals("java")) {
                    javas.add(line.substring(eq + 1));
                } else {
                    kv.put(k, line.substring(eq + 1));
                }
            }
        }
        List<String> problems = new ArrayList<>();
        if (!"0".equals(kv.get("uid"))) {
            String who = "logs in as '" + kv.get("user") + "' (uid " + kv.get("uid") + "), not root";
            if (!h.sudo()) {
                problems.add(who + ": log in as root, or set sudo(true) and allow passwordless sudo");
            } else if (!"ok".equals(kv.get("sudo"))) {
                problems.add(who + ", and passwordless sudo fails: "
                        + kv.getOrDefault("sudo", "fail").replaceFirst("^fail ?", ""));
            }
        }
        String btf = kv.get("btf");
        if ("missing".equals(btf)) {
            problems.add("no kernel BTF: /sys/kernel/btf/vmlinux is missing (the kernel needs CONFIG_DEBUG_INFO_BTF=y)");
        } else if (!"9feb".equals(btf)) {
            problems.add("no kernel BTF: /sys/kernel/btf/vmlinux is not BTF data");
        }
        if (!"ok".equals(kv.get("libbpf"))) {
            problems.add("no libbpf.so.1 (Debian/Ubuntu: apt-get install libbpf1)");
        }
        String java = chooseJava(javas, req.javaFeatureVersion());
        if (java == null) {
            problems.add("no Java " + req.javaFeatureVersion() + (javas.isEmpty()
                    ? ": no java found (looked at " + (h.javaHome() != null ? h.javaHome() : "$JAVA_HOME, the PATH and /usr/lib/jvm/*"
                    + req.javaFeatureVersion() + "*") + ")"
                    : ": found " + String.join(", ", javas.stream().map(HostProbe::describeJava).toList()))
                    + "; install a JDK " + req.javaFeatureVersion() + " or set javaHome(...)");
        }
        if ("busy".equals(kv.get("udp"))) {
            problems.add("UDP port " + req.udpSyncPort() + " (clock sync) is in use");
        }
        if (!"ok".equals(kv.get("sha256sum"))) {
            problems.add("no sha256sum (coreutils), needed to verify uploads");
        }
        return new HostCheck(h, problems, java, kv.get("kernel"), "0".equals(kv.get("uid")));
    }

    /** The first candidate (in probe order) whose feature release is at least {@code feature}. */
    static String chooseJava(List<String> candidates, int feature) {
        for (String c : candidates) {
            int sp = c.lastIndexOf(' ');
            if (sp > 0 && featureOf(c.substring(sp + 1)) >= feature) {
                return c.substring(0, sp);
            }
        }
        return null;
    }

    /** "25.0.3" → 25, "1.8.0_412" → 8, "26-ea" → 26; unknown → -1. */
    static int featureOf(String version) {
        String v = version.startsWith("1.") ? version.substring(2) : version;
        int end = 0;
        while (end < v.length() && Character.isDigit(v.charAt(end))) {
            end++;
        }
        return end == 0 ? -1 : Integer.parseInt(v.substring(0, Math.min(end, 9)));
    }

    private static String describeJava(String candidate) {
        int sp = candidate.lastIndexOf(' ');
        return sp < 0 ? candidate : candidate.substring(0, sp) + " (" + candidate.substring(sp + 1) + ")";
    }
}
