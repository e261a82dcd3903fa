package io.latscope;

import java.util.ArrayList;
import java.util.List;

/**
 * What this machine offers LatScope, found out before a session attaches anything (the
 * engine's feature probes load and detach one minimal program each): the environment's
 * checks, and for every probe point the layers ask for, the hook it would use here and why.
 * Made by {@link LatScope#diagnose(SessionSpec)}.
 *
 * @param checks the environment: kernel, BTF, privileges, libbpf, file systems, program types
 * @param points per probe point: its hook here, or why it cannot be measured
 */
public record Diagnosis(List<Check> checks, List<PointPlan> points) {
    /** Copies the lists. */
    public Diagnosis {
        checks = List.copyOf(checks);
        points = List.copyOf(points);
    }

    /** The outcome of a check. */
    public enum Status {
        /** Present and usable. */
        OK,
        /** Missing or refused: the detail says what to do. */
        MISSING,
        /** Not available, and not needed: LatScope uses another mechanism (the detail names it). */
        OPTIONAL,
        /** Could not be decided (a transient error). */
        UNKNOWN
    }

    /**
     * One check of the environment.
     *
     * @param name   what was checked, e.g. {@code kernel BTF}
     * @param status the outcome
     * @param detail what was found, or what to do
     */
    public record Check(String name, Status status, String detail) {
    }

    /**
     * How one probe point would be measured here.
     *
     * @param point     the point
     * @param layer     the layer that asks for it
     * @param hook      the kernel hook it would use, e.g. {@code tp_btf/tcp_probe}
     * @param available whether it can be attached here
     * @param why       why this hook (and not another), or why it is unavailable
     */
    public record PointPlan(Point point, Layer layer, String hook, boolean available, String why) {
    }

    /**
     * What keeps this machine from measuring everything asked for.
     *
     * @return the checks that failed and the points that cannot be measured, one line each
     */
    public List<String> problems() {
        List<String> out = new ArrayList<>();
        checks.stream().filter(c -> c.status() == Status.MISSING).forEach(c -> out.add(c.name() + ": " + c.detail()));
        points.stream().filter(p -> !p.available()).forEach(p -> out.add(p.point().label() + " (" + p.hook() + "): " + p.why()));
        return out;
    }
}
