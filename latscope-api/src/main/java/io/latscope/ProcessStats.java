package io.latscope;

/**
 * CPU and memory of a process at one end of a measured flow, sampled like the seed did
 * (every 100 ms by default): CPU as a percentage of one core over the period, resident
 * memory in bytes.
 *
 * @param host       the label of the host the process runs on
 * @param pid        its process id there
 * @param command    its command name ({@code /proc/PID/comm}); {@code ?} when it could not be read
 * @param flow       the measured flow whose socket it owns
 * @param cpuPercent CPU time over the period as a percentage of one core (can exceed 100 with several threads)
 * @param rssBytes   the largest resident memory sampled in the period, in bytes
 * @see Total
 */
public record ProcessStats(String host, long pid, String command, FlowKey flow, double cpuPercent, long rssBytes) {

    /**
     * A process's figures over several intervals, as a session's report gives them: CPU the
     * time-weighted mean over the intervals it was seen in, memory the peak, the rest as last
     * seen. Not thread-safe.
     */
    public static final class Total {
        private ProcessStats last;
        private double cpuSeconds;
        private double seconds;
        private long peakRss;

        /** An empty total: add intervals before reading its {@link #stats()}. */
        public Total() {
        }

        /**
         * Adds one interval's figures.
         *
         * @param p               the process in that interval
         * @param intervalSeconds the interval's length
         * @return this
         */
        public Total add(ProcessStats p, double intervalSeconds) {
            last = p;
            cpuSeconds += p.cpuPercent() * intervalSeconds;
            seconds += intervalSeconds;
            peakRss = Math.max(peakRss, p.rssBytes());
            return this;
        }

        /**
         * A copy, to add an unfinished interval to without changing this one.
         *
         * @return a total with the same figures
         */
        public Total copy() {
            Total t = new Total();
            t.last = last;
            t.cpuSeconds = cpuSeconds;
            t.seconds = seconds;
            t.peakRss = peakRss;
            return t;
        }

        /**
         * The figures over every interval added.
         *
         * @return the process over those intervals
         * @throws IllegalStateException if nothing was added
         */
        public ProcessStats stats() {
            if (last == null) {
                throw new IllegalStateException("no interval added");
            }
            double cpu = seconds == 0 ? last.cpuPercent() : cpuSeconds / seconds;
            return new ProcessStats(last.host(), last.pid(), last.command(), last.flow(), cpu, peakRss);
        }
    }
}
