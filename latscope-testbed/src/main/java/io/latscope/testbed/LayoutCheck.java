package io.latscope.testbed;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.GroupLayout;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.PaddingLayout;
import java.lang.foreign.StructLayout;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The drift check between a header of {@code src-bpf/include} and the Java that jextract
 * generated from it: every struct size, field offset and field size, and every constant
 * the generated classes hold, becomes a {@code _Static_assert} that src-bpf's Makefile
 * compiles with the BPF objects' compiler, flags and includes ({@code make check-layout}).
 * A header changed without rerunning {@code scripts/jextract-layouts} fails, naming every
 * difference. Run from a module's directory (surefire's working directory).
 */
public final class LayoutCheck {
    private final String header;
    private final List<String> asserts = new ArrayList<>();

    private LayoutCheck(String header) {
        this.header = header;
    }

    /** @param header a header of src-bpf/include, e.g. {@code probes.h} */
    public static LayoutCheck of(String header) {
        return new LayoutCheck(header);
    }

    /** Size of {@code struct <layout name>}, and offset and size of each of its fields, nested ones included. */
    public LayoutCheck struct(GroupLayout layout) {
        String struct = "struct " + layout.name().orElseThrow(() -> new IllegalArgumentException("an unnamed layout"));
        check("sizeof(" + struct + ")", layout.byteSize(), struct + " size");
        fields(struct, "", 0, layout);
        return this;
    }

    private void fields(String struct, String prefix, long base, GroupLayout group) {
        long at = base;
        for (MemoryLayout m : group.memberLayouts()) {
            long offset = group instanceof StructLayout ? at : base;
            at += m.byteSize();
            if (m instanceof PaddingLayout || m.name().isEmpty()) {
                continue;
            }
            String field = prefix + m.name().get();
            check("__builtin_offsetof(" + struct + ", " + field + ")", offset, struct + "." + field + " offset");
            check("sizeof(((" + struct + " *)0)->" + field + ")", m.byteSize(), struct + "." + field + " size");
            if (m instanceof GroupLayout g) {
                fields(struct, field + ".", offset, g);
            }
        }
    }

    /** Every constant of a jextract header class (its {@code public static int|long NAME()} methods). */
    public LayoutCheck constants(Class<?> headerClass) {
        Method[] methods = headerClass.getDeclaredMethods();
        Arrays.sort(methods, Comparator.comparing(Method::getName));
        for (Method m : methods) {
            if (Modifier.isPublic(m.getModifiers()) && Modifier.isStatic(m.getModifiers()) && m.getParameterCount() == 0
                    && (m.getReturnType() == int.class || m.getReturnType() == long.class)
                    && m.getName().matches("[A-Z][A-Z0-9_]*")) {
                try {
                    check("(" + m.getName() + ")", ((Number) m.invoke(null)).longValue(), m.getName());
                } catch (ReflectiveOperationException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
        return this;
    }

    private void check(String expression, long javaValue, String what) {
        asserts.add("_Static_assert(" + expression + " == " + javaValue + "LL, \"" + what + " is " + javaValue
                + " in the generated Java\");");
    }

    /** How many facts are checked. */
    public int size() {
        return asserts.size();
    }

    /** Compiles the asserts; an {@link AssertionError} lists every one the header does not satisfy. */
    public void check() {
        Path module = Path.of("").toAbsolutePath();
        Path file = module.resolve("target/layout-check/" + header.replace(".h", "") + ".c");
        String source = "#include \"common.bpf.h\"\n#include \"" + header + "\"\n" + String.join("\n", asserts) + "\n";
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, source);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Cmd.Result r = Cmd.exec(List.of("make", "-s", "-C", module.resolve("../src-bpf").normalize().toString(),
                "BUILD=" + module.resolve("target/bpf"), "check-layout", "LAYOUT_CHECK=" + file));
        if (r.exit() != 0) {
            String failed = r.stderr().lines().filter(l -> l.contains("error:")).collect(Collectors.joining("\n"));
            throw new AssertionError(header + " and the Java generated from it differ (rerun scripts/jextract-layouts):\n"
                    + (failed.isEmpty() ? r.stderr() : failed));
        }
    }
}
