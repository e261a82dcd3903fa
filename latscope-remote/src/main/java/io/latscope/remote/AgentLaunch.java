package io.latscope.remote;

import io.latscope.error.ConfigurationException;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * How to run an agent on a remote host: {@code java <jvmArgs> -cp <classPath> <mainClass> <args>}.
 *
 * @param classPath the caller's own class path entries, jars and directories; each is uploaded
 *                  (a directory as a jar) to the host's cache and reused while its content is the same
 * @param mainClass the agent's main class
 * @param jvmArgs   options for the remote JVM
 * @param args      arguments of the main class
 * @param env       environment variables of the agent process; sent over the SSH channel, never on a
 *                  command line. Not for secrets: a process's environment is readable by its user and
 *                  root ({@code /proc/<pid>/environ}), and inherited by its children. Values must not
 *                  contain a newline
 * @param logLine   receives each line the agent writes to stdout or stderr, as is; called from
 *                  LatScope's reader threads (keep it quick)
 * @param input     one line the program reads from its standard input first (empty: none): where
 *                  secrets go — the program reads them into its memory, and they are in no file, no
 *                  command line and no environment; must not contain a newline
 */
public record AgentLaunch(List<Path> classPath, String mainClass, List<String> jvmArgs, List<String> args,
                          Map<String, String> env, Consumer<String> logLine, String input) {
    private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final Pattern CLASS_NAME = Pattern.compile("[\\p{L}_$][\\p{L}\\p{N}_$]*(\\.[\\p{L}_$][\\p{L}\\p{N}_$]*)*");

    public AgentLaunch {
        classPath = List.copyOf(classPath);
        jvmArgs = List.copyOf(jvmArgs);
        args = List.copyOf(args);
        env = Map.copyOf(env);
        Objects.requireNonNull(logLine, "logLine");
        input = input == null ? "" : input;
        if (input.indexOf('\n') >= 0 || input.indexOf('\0') >= 0) {
            throw new ConfigurationException("the agent's input line contains a newline or NUL");
        }
        if (classPath.isEmpty()) {
            throw new ConfigurationException("agent class path is empty");
        }
        if (mainClass == null || !CLASS_NAME.matcher(mainClass).matches()) {
            throw new ConfigurationException("'" + mainClass + "' is not a main class name");
        }
        for (Map.Entry<String, String> e : env.entrySet()) {
            if (!ENV_NAME.matcher(e.getKey()).matches()) {
                throw new ConfigurationException("'" + e.getKey() + "' is not an environment variable name");
            }
            if (e.getValue().indexOf('\n') >= 0 || e.getValue().indexOf('\0') >= 0) {
                throw new ConfigurationException("environment variable " + e.getKey() + " contains a newline or NUL");
            }
        }
    }

    /** A launch without an input line. */
    public AgentLaunch(List<Path> classPath, String mainClass, List<String> jvmArgs, List<String> args,
                       Map<String, String> env, Consumer<String> logLine) {
        this(classPath, mainClass, jvmArgs, args, env, logLine, "");
    }

    /** Runs {@code mainClass} with this JVM's own class path (and module path, as class path entries). */
    public static AgentLaunch ofOwnClassPath(String mainClass, List<String> args, Consumer<String> logLine) {
        return new AgentLaunch(ownClassPath(), mainClass, List.of(), args, Map.of(), logLine);
    }

    @Override
    public String toString() {
        return "AgentLaunch[" + mainClass + ", jvmArgs " + jvmArgs + ", args " + args + ", env " + env.keySet()
                + (input.isEmpty() ? "" : ", input ****") + "]";
    }

    /** This JVM's class path and module path entries that exist, in order. */
    public static List<Path> ownClassPath() {
        List<Path> out = new ArrayList<>();
        for (String prop : List.of("jdk.module.path", "java.class.path")) {
            String v = System.getProperty(prop, "");
            for (String e : v.split(Pattern.quote(File.pathSeparator))) {
                if (!e.isBlank()) {
                    Path p = Path.of(e).toAbsolutePath().normalize();
                    if (Files.exists(p) && !out.contains(p)) {
                        out.add(p);
                    }
                }
            }
        }
        return out;
    }
}
