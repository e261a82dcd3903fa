package io.latscope.config;

import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.api.lowlevel.Compose;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.ScalarNode;

import java.io.IOException;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * One YAML file composed into nodes that remember where they were written, so that every
 * error can name file, line and column. Values are read from the nodes (not constructed into
 * Java objects by the YAML library), which also keeps YAML's own tags and anchors from
 * creating anything.
 */
final class YamlFile {
    private final String name;
    private final Node root;

    private YamlFile(String name, Node root) {
        this.name = name;
        this.root = root;
    }

    static YamlFile read(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new ConfigFileException(file.toString(), 0, 0, "no such file", e);
        } catch (MalformedInputException e) {
            throw new ConfigFileException(file.toString(), 0, 0, "not UTF-8 text", e);
        } catch (IOException e) {
            throw new ConfigFileException(file.toString(), 0, 0, "cannot read it: " + e, e);
        }
        return parse(file.toString(), text);
    }

    static YamlFile parse(String name, String text) {
        LoadSettings settings = LoadSettings.builder().setLabel(name).setAllowDuplicateKeys(false)
                .setMaxAliasesForCollections(10).setCodePointLimit(1 << 22).build();
        try {
            Optional<Node> n = new Compose(settings).composeString(text);
            return new YamlFile(name, n.orElse(null));
        } catch (MarkedYamlEngineException e) {
            Mark m = e.getProblemMark().or(e::getContextMark).orElse(null);
            String problem = e.getProblem() == null ? e.getMessage() : e.getProblem();
            throw new ConfigFileException(name, m == null ? 0 : m.getLine() + 1, m == null ? 0 : m.getColumn() + 1,
                    "not valid YAML: " + (e.getContext() == null ? "" : e.getContext() + ", ") + problem, e);
        } catch (YamlEngineException e) {
            throw new ConfigFileException(name, 0, 0, "not valid YAML: " + e.getMessage(), e);
        }
    }

    String name() {
        return name;
    }

    /** The top-level mapping; an empty file is an empty mapping. */
    Section top(String what) {
        if (root == null || root instanceof ScalarNode s && s.getValue().isEmpty()) {
            return Section.empty(this, what);
        }
        return Section.of(this, root, what);
    }

    ConfigFileException error(Node at, String problem) {
        return error(at, problem, null);
    }

    ConfigFileException error(Node at, String problem, Throwable cause) {
        Optional<Mark> m = at == null ? Optional.empty() : at.getStartMark();
        return new ConfigFileException(name, m.map(x -> x.getLine() + 1).orElse(0), m.map(x -> x.getColumn() + 1).orElse(0),
                problem, cause);
    }

    static boolean isMapping(Node n) {
        return n instanceof MappingNode;
    }
}
