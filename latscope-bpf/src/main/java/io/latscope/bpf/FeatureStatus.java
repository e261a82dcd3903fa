package io.latscope.bpf;

/** The answer of a feature probe: supported, not supported (with the reason), or undecided. */
public record FeatureStatus(Feature feature, Outcome outcome, String reason) {
    public enum Outcome {
        SUPPORTED, NOT_SUPPORTED, COULD_NOT_DECIDE
    }

    public boolean isSupported() {
        return outcome == Outcome.SUPPORTED;
    }

    /** Definite answers (supported or not) are cached; undecided ones are probed again. */
    public boolean isDefinite() {
        return outcome != Outcome.COULD_NOT_DECIDE;
    }

    @Override
    public String toString() {
        return feature.description() + ": " + outcome.name().toLowerCase().replace('_', ' ')
                + (reason == null || reason.isEmpty() ? "" : " (" + reason + ")");
    }
}
