package io.latscope.config;

import io.latscope.SessionSpec;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A {@link SessionSpec} from YAML and back.
 *
 * <pre>{@code
 * LoadedSpec c = SpecYaml.load(Path.of("latscope.yaml"));   // or a directory in the original conf/ shape
 * c.ignored().forEach(System.err::println);
 * try (LatScopeSession s = c.spec().start()) { ... }
 * String yaml = SpecYaml.write(c.spec());                  // loads back equal
 * }</pre>
 *
 * A file is LatScope's own shape (docs/cli.md); a directory is the original LatScope's
 * {@code conf/} (connect_info.yaml, sampling_info.yaml, ping_info.yaml, database_info.yaml,
 * redis_info.yaml, management_server_info.yaml, time_sync.yaml). Every problem is a
 * {@link ConfigFileException} naming file, line and column. Passwords and keys are refused:
 * they come from the environment ({@code LATSCOPE_DB_PASSWORD}, {@code LATSCOPE_REDIS_PASSWORD},
 * {@code LATSCOPE_SSH_PASSWORD}, {@code LATSCOPE_SSH_KEY_PASSPHRASE}) or a credentials file.
 */
public final class SpecYaml {
    private SpecYaml() {
    }

    /**
     * Reads a file or a {@code conf/} directory, with secrets from this process's environment.
     *
     * @param fileOrDirectory a YAML file, or a directory in the original conf/ shape
     * @return the spec and what was ignored
     */
    public static LoadedSpec load(Path fileOrDirectory) {
        return load(fileOrDirectory, System.getenv());
    }

    /**
     * Reads a file or a {@code conf/} directory.
     *
     * @param fileOrDirectory a YAML file, or a directory in the original conf/ shape
     * @param env             where secrets come from (the environment)
     * @return the spec and what was ignored
     */
    public static LoadedSpec load(Path fileOrDirectory, Map<String, String> env) {
        if (Files.isDirectory(fileOrDirectory)) {
            return new ConfShape(env).read(fileOrDirectory);
        }
        if (!Files.exists(fileOrDirectory)) {
            throw new ConfigFileException(fileOrDirectory.toString(), 0, 0, "no such file or directory", null);
        }
        YamlFile f = YamlFile.read(fileOrDirectory);
        return new LoadedSpec(new NativeShape(env).read(f), fileOrDirectory.toString(), List.of(), List.of());
    }

    /**
     * Reads LatScope's own shape from text.
     *
     * @param yaml the text
     * @param name the name errors give it (a file name)
     * @param env  where secrets come from
     * @return the spec
     */
    public static SessionSpec parse(String yaml, String name, Map<String, String> env) {
        return new NativeShape(env).read(YamlFile.parse(name, yaml));
    }

    /**
     * Writes a spec as YAML.
     *
     * @param spec a spec
     * @return it in LatScope's own YAML shape, without secrets; {@link #parse} gives back an equal spec
     */
    public static String write(SessionSpec spec) {
        return SpecWriter.write(spec);
    }

    /**
     * Writes {@link #write(SessionSpec)} to a file.
     *
     * @param spec a spec
     * @param file where
     */
    public static void write(SessionSpec spec, Path file) {
        try {
            Files.writeString(file, write(spec), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("writing " + file, e);
        }
    }
}
