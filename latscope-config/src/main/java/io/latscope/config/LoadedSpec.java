package io.latscope.config;

import io.latscope.SessionSpec;

import java.util.List;

/**
 * A spec read from YAML, with what the reader should know about how it was read.
 *
 * @param spec    the validated spec
 * @param source  the file or directory it came from
 * @param ignored keys that were read but mean nothing here, each as {@code file: key (why)}
 * @param notes   how original keys were translated where that is not one to one
 */
public record LoadedSpec(SessionSpec spec, String source, List<String> ignored, List<String> notes) {
    /** Copies the lists. */
    public LoadedSpec {
        ignored = List.copyOf(ignored);
        notes = List.copyOf(notes);
    }
}
