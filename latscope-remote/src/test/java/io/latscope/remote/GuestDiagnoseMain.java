package io.latscope.remote;

import io.latscope.Diagnosis;
import io.latscope.LatScope;

/**
 * Run in the guest VM with this JVM's class path (shared over 9p): prints the API's feature
 * report for every layer as tab-separated lines, {@code check NAME STATUS DETAIL} and
 * {@code point POINT HOOK AVAILABLE WHY}, for the test to read.
 */
public final class GuestDiagnoseMain {
    private GuestDiagnoseMain() {
    }

    public static void main(String[] args) {
        Diagnosis d = LatScope.diagnose(LatScope.builder().build());
        for (Diagnosis.Check c : d.checks()) {
            System.out.println("check\t" + c.name() + "\t" + c.status() + "\t" + c.detail());
        }
        for (Diagnosis.PointPlan p : d.points()) {
            System.out.println("point\t" + p.point().label() + "\t" + p.hook() + "\t" + p.available() + "\t" + p.why());
        }
    }
}
