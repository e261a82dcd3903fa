package io.latscope.testbed;

import io.latscope.testbed.TestNetwork;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Fails a test that leaves kernel objects behind: BPF program, map, link or BTF file
 * descriptors of this process that were not open before the test, and network
 * namespaces made by {@link TestNetwork} that were not deleted. (Attachments without
 * descriptors — XDP and tc by netlink — are checked by {@link TestNetwork#close()}.)
 */
public final class KernelLeakCheck implements BeforeEachCallback, AfterEachCallback {
    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(KernelLeakCheck.class);

    @Override
    public void beforeEach(ExtensionContext context) {
        context.getStore(NS).put("fds", bpfDescriptors());
    }

    @Override
    public void afterEach(ExtensionContext context) {
        @SuppressWarnings("unchecked")
        List<String> before = context.getStore(NS).get("fds", List.class);
        List<String> problems = new ArrayList<>();
        // Descriptors may be closed by a Cleaner a moment later only if the code leaked; give none.
        List<String> now = bpfDescriptors();
        now.removeAll(before);
        if (!now.isEmpty()) {
            problems.add("BPF file descriptors left open: " + now);
        }
        List<String> ns = TestNetwork.leftoverNamespaces();
        if (!ns.isEmpty()) {
            problems.add("network namespaces left: " + ns);
        }
        if (!problems.isEmpty()) {
            throw new AssertionError("kernel resources leaked by " + context.getDisplayName() + ": "
                    + String.join("; ", problems));
        }
    }

    /** "fd -> anon_inode:bpf-prog" entries of this process. */
    public static List<String> bpfDescriptors() {
        List<String> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
            for (Path p : ds) {
                try {
                    String target = Files.readSymbolicLink(p).toString();
                    if (target.startsWith("anon_inode:bpf") || target.startsWith("anon_inode:btf")) {
                        out.add(p.getFileName() + "->" + target);
                    }
                } catch (IOException e) {
                    // closed meanwhile (e.g. the directory stream's own fd)
                }
            }
        } catch (IOException e) {
            throw new AssertionError("cannot list /proc/self/fd", e);
        }
        return out;
    }
}
