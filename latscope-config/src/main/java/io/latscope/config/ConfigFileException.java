package io.latscope.config;

import io.latscope.error.ConfigurationException;

/**
 * A configuration file LatScope cannot use: the message starts with {@code file:line:column:}
 * (1-based; line and column are 0 when the problem is the file as a whole) and says what is
 * wrong and what is allowed.
 */
public final class ConfigFileException extends ConfigurationException {
    /** The file's name as given. */
    private final String file;
    /** The 1-based line, or 0. */
    private final int line;
    /** The 1-based column, or 0. */
    private final int column;
    /** What is wrong, without the location. */
    private final String problem;

    ConfigFileException(String file, int line, int column, String problem, Throwable cause) {
        super(where(file, line, column) + ": " + problem, cause);
        this.file = file;
        this.line = line;
        this.column = column;
        this.problem = problem;
    }

    private static String where(String file, int line, int column) {
        return line <= 0 ? file : file + ":" + line + ":" + column;
    }

    /**
     * The file the problem was found in.
     *
     * @return the file's name as given
     */
    public String file() {
        return file;
    }

    /**
     * The line of the problem.
     *
     * @return the 1-based line, or 0 for the file as a whole
     */
    public int line() {
        return line;
    }

    /**
     * The column of the problem.
     *
     * @return the 1-based column, or 0 for the file as a whole
     */
    public int column() {
        return column;
    }

    /**
     * What is wrong.
     *
     * @return the problem, without the location
     */
    public String problem() {
        return problem;
    }
}
